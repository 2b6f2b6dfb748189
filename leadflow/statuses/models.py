"""Lead statuses of a campaign, the tenant's CRM status mappings, and the workflow matrix.

Invariants live here (field validators, ``clean()``) and, where a database can hold
them, in constraints too: one default status per campaign, one transition per
(from, to) pair, a time-exclusion range that is either absent or ``0 <= from <= to``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from leadflow.core.conditions import FEEDBACK_FIELDS, ConditionError, is_satisfiable, validate
from leadflow.core.models import TenantOwnedModel
from leadflow.core.validators import validate_hex_colour
from leadflow.statuses.exclusion import MAX_EXCLUDE_DAY, ExcludeMode


def _strip_text(instance: models.Model, *fields: str, required: str = "") -> dict[str, str]:
    """Strip the fields; refuse a ``required`` one made of spaces only, and NUL characters
    (PostgreSQL cannot store them). Field validation runs before ``clean()`` and would
    let both through, so they are checked here."""
    errors: dict[str, str] = {}
    for name in fields:
        raw = getattr(instance, name) or ""
        value = raw.strip()
        setattr(instance, name, value)
        if "\x00" in value:
            errors[name] = "Null characters are not allowed."
        elif raw and not value and name == required:
            errors[name] = "This field cannot be blank."
    return errors


class StatusApiMapping(TenantOwnedModel):
    """A CRM status (code + description) that campaign statuses can be mapped to."""

    code = models.CharField(max_length=64)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("code"), name="status_api_mapping_code_ci"),
        ]
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}" if self.description else self.code

    def clean(self) -> None:
        errors = _strip_text(self, "code", "description", required="code")
        if "code" not in errors and self.code and self.tenant_id and (
            StatusApiMapping.objects.filter(tenant_id=self.tenant_id, code__iexact=self.code)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["code"] = f"A CRM status mapping with code “{self.code}” already exists."
        if errors:
            raise ValidationError(errors)


def required_fields_problem(tree: Any) -> str | None:
    """Why ``tree`` is not a valid required-fields condition (naming the bad node), or None."""
    try:
        validate(tree, FEEDBACK_FIELDS)
    except ConditionError as exc:
        return str(exc)
    return None


class LeadStatus(TenantOwnedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="statuses")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    color = models.CharField(max_length=7, default="#607d8b", validators=[validate_hex_colour])
    max_call_after_days = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(3650)], help_text="0 = unlimited."
    )
    # None = "[Without Mapping]"; deleting a mapping leaves its statuses unmapped.
    api_mapping = models.ForeignKey(StatusApiMapping, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="statuses")
    # A condition (shared condition language) the feedback form must satisfy.
    required_fields = models.JSONField(default=dict, blank=True)
    affects_permanent_assignment = models.BooleanField(default=False)
    allow_call_after = models.BooleanField(default=False)
    is_dialable = models.BooleanField(default=True)
    is_do_not_call = models.BooleanField(default=False)
    is_final = models.BooleanField(default=False)
    is_default_for_new_leads = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint("campaign", Lower("name"), name="status_name_unique_ci"),
            models.UniqueConstraint(fields=["campaign"], condition=Q(is_default_for_new_leads=True),
                                    name="status_one_default_per_campaign"),
        ]
        ordering = ["position", "id"]
        verbose_name_plural = "lead statuses"

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        """Derived, never stored: a status whose required fields can never be met is one
        agents cannot choose; the system sets it (e.g. "New" on entering leads). A tree
        that does not even validate cannot be met either, so it counts as system too."""
        if not self.required_fields:
            return False
        try:
            return not is_satisfiable(self.required_fields, FEEDBACK_FIELDS)
        except ConditionError:
            return True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # Making a status the default hands the role over (the previous default loses the
        # flag in the same transaction), so "another status is the default" is not a user
        # error; the partial unique index still guards against a race.
        super().validate_constraints(exclude={*(exclude or ()), "is_default_for_new_leads"})

    def clean(self) -> None:
        errors = _strip_text(self, "name", "description", required="name")
        if "name" not in errors and self.name and self.campaign_id and (
            LeadStatus.objects.filter(campaign_id=self.campaign_id, name__iexact=self.name)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["name"] = f"This campaign already has a status “{self.name}”."
        if self.required_fields is None:
            self.required_fields = {}
        problem = required_fields_problem(self.required_fields)
        if problem:
            errors["required_fields"] = problem
        if self.api_mapping_id is not None and (
            self.api_mapping is None or self.api_mapping.tenant_id != self.tenant_id
        ):
            errors["api_mapping"] = f"CRM status mapping {self.api_mapping_id} not found."
        if errors:
            raise ValidationError(errors)


_DAYS = [MaxValueValidator(MAX_EXCLUDE_DAY)]


class StatusTransition(TenantOwnedModel):
    """A ticked cell of the workflow matrix: after a call on a lead in ``from_status``,
    agents may choose ``to_status`` — unless the call falls in the exclusion range
    (see ``statuses.exclusion`` for how days are counted and what the modes mean)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="status_transitions")
    from_status = models.ForeignKey(LeadStatus, on_delete=models.CASCADE,
                                    related_name="transitions_out")
    to_status = models.ForeignKey(LeadStatus, on_delete=models.CASCADE,
                                  related_name="transitions_in")
    exclude_from_day = models.PositiveIntegerField(null=True, blank=True, validators=_DAYS)
    exclude_to_day = models.PositiveIntegerField(null=True, blank=True, validators=_DAYS)
    exclude_mode = models.CharField(max_length=20, choices=ExcludeMode.choices,
                                    default=ExcludeMode.IGNORE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_status", "to_status"],
                                    name="status_transition_unique"),
            models.CheckConstraint(
                condition=(
                    Q(exclude_from_day__isnull=True, exclude_to_day__isnull=True)
                    | Q(exclude_from_day__isnull=False, exclude_to_day__isnull=False,
                        exclude_from_day__lte=F("exclude_to_day"))
                ),
                name="status_transition_range_valid",
            ),
            models.CheckConstraint(condition=Q(exclude_mode__in=ExcludeMode.values),
                                   name="status_transition_mode_valid"),
        ]
        indexes = [models.Index(fields=["campaign", "from_status"],
                                name="status_transition_from")]
        ordering = ["from_status__position", "from_status_id", "to_status__position",
                    "to_status_id"]

    def __str__(self) -> str:
        return f"{self.from_status_id} → {self.to_status_id}"

    @property
    def has_exclusion(self) -> bool:
        return self.exclude_from_day is not None and self.exclude_to_day is not None

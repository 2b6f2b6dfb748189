"""Routing: desks of agents, agent settings and states, user groups with their filter
groups and priority groups, object lists, and the round-robin state of each agent.

Who gets which leads: an agent belongs to desks; a *priority group* links a desk to a
user group with a priority (1 is tried first); the user group's *filter groups* pick
leads (a condition in the shared language, a weight used as a ratio, 0 = off, at most
one failover group). See ``selectors`` for the order a claim tries them in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from leadflow.core.models import TenantOwnedModel
from leadflow.core.validators import validate_e164, validate_time_zone

ONLINE = "online"


class BreakState(TenantOwnedModel):
    """A named state other than Online (Lunch, Training…): agents in it get no leads."""

    name = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", Lower("name"),
                                               name="routing_break_name_unique_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.name.strip().lower() == ONLINE:
            raise ValidationError({"name": "“Online” is not a break."})


class Desk(TenantOwnedModel):
    """A skill group of agents (language, experience, shift…)."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", Lower("name"),
                                               name="routing_desk_name_unique_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QueueSorting(models.TextChoices):
    CALLBACK_ASC = "callback_asc", "Callback time ascending"
    WEIGHT_DESC_CALLBACK = "weight_desc_callback", "Weight descending, then callback time"


class AgentProfile(TenantOwnedModel):
    """An agent's settings in one tenant (created on first use with the tenant's defaults)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="agent_profiles")
    desks = models.ManyToManyField(Desk, blank=True, related_name="agents")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    language = models.CharField(max_length=16, blank=True,
                                help_text="Empty: the tenant's language.")
    assign_leads = models.BooleanField(
        "Assign leads to user?", default=True,
        help_text="May leads be permanently assigned to this agent.")
    auto_dial = models.BooleanField(default=False, help_text="Predictive mode.")
    personal_queue_enabled = models.BooleanField("Personal predictive queue", default=False)
    personal_queue_ratio = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Calls dialled at once from the personal queue.")
    personal_queue_sorting = models.CharField(max_length=24, choices=QueueSorting.choices,
                                              default=QueueSorting.CALLBACK_ASC)
    break_state = models.ForeignKey(BreakState, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="Empty: Online.")
    state_changed_at = models.DateTimeField(null=True, blank=True)
    caller_id_name = models.CharField(max_length=40, blank=True)
    caller_id_number = models.CharField(max_length=20, blank=True, help_text="E.164",
                                        validators=[validate_e164])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"],
                                               name="routing_profile_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id}"

    @property
    def state(self) -> str:
        """``"online"`` or the break's name."""
        return ONLINE if self.break_state_id is None else self.break_state.name  # type: ignore[union-attr]

    @property
    def is_online(self) -> bool:
        return self.break_state_id is None


class UserGroup(TenantOwnedModel):
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    caller_id_name = models.CharField(max_length=40, blank=True)
    dial_ratio = models.DecimalField(max_digits=4, decimal_places=2, default=1,
                                     validators=[MinValueValidator(1), MaxValueValidator(10)],
                                     help_text="Predictive: lines dialled per free agent.")

    class Meta:
        constraints = [models.UniqueConstraint("tenant", Lower("name"),
                                               name="routing_user_group_name_unique_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FilterGroup(TenantOwnedModel):
    """Which leads a user group dials, and how often (weight as a ratio; 0 = off)."""

    user_group = models.ForeignKey(UserGroup, on_delete=models.CASCADE,
                                   related_name="filter_groups")
    name = models.CharField(max_length=80)
    condition = models.JSONField(default=dict, blank=True)
    weight = models.PositiveIntegerField(default=1, validators=[MaxValueValidator(1000)],
                                         help_text="A ratio (3/2/1); 0 = off.")
    is_failover = models.BooleanField(
        default=False, help_text="Used only when every weighted group is empty.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_group"], condition=models.Q(is_failover=True),
                                    name="routing_one_failover_per_user_group"),
        ]
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from leadflow.routing.conditions import condition_check

        if self.user_group_id is not None and self.user_group.tenant_id != self.tenant_id:
            raise ValidationError({"user_group": "Unknown user group."})
        # At most one failover per user group: the service checks the whole set it
        # saves, the partial unique index backs it.
        condition_check(tree=self.condition, tenant=self.tenant)


class PriorityGroup(TenantOwnedModel):
    """A user group served by a desk, with a priority (1 is tried before 2)."""

    user_group = models.ForeignKey(UserGroup, on_delete=models.CASCADE,
                                   related_name="priority_groups")
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="priority_groups")
    priority = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(99)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_group", "desk"],
                                               name="routing_priority_group_unique_pair")]
        ordering = ["priority", "id"]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.user_group_id is not None and self.user_group.tenant_id != self.tenant_id:
            errors["user_group"] = "Unknown user group."
        if self.desk_id is not None and self.desk.tenant_id != self.tenant_id:
            errors["desk"] = "Unknown desk."
        if errors:
            raise ValidationError(errors)


class ObjectListKind(models.TextChoices):
    TEXT = "text", "Text (countries, sources…)"
    NUMBER = "number", "Numbers / ids (statuses, campaigns…)"


class ObjectList(TenantOwnedModel):
    """A named list of values that conditions reference: ``{"object_list": <id>}``."""

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=ObjectListKind.choices,
                            default=ObjectListKind.TEXT)
    values = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", Lower("name"),
                                               name="routing_object_list_name_unique_ci")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.values, list):
            raise ValidationError({"values": "A list of values is required."})
        wanted = (int,) if self.kind == ObjectListKind.NUMBER else (str,)
        bad = [v for v in self.values if not isinstance(v, wanted) or isinstance(v, bool)]
        if bad:
            raise ValidationError({"values": f"Not a {self.get_kind_display()} value: {bad[0]!r}"})
        if len(self.values) > 1000:
            raise ValidationError({"values": "At most 1000 values."})


class RoundRobinState(TenantOwnedModel):
    """Smooth weighted round-robin: the current weight of one filter group for one agent.

    The rotation is per agent (each agent's own picks follow 3/2/1), so concurrent
    claims of different agents never update the same row.
    """

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    filter_group = models.ForeignKey(FilterGroup, on_delete=models.CASCADE, related_name="+")
    current = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "filter_group"],
                                               name="routing_rr_unique")]

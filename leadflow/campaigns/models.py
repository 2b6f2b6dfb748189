"""Campaign groups and campaigns with their dialing parameters."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from leadflow.campaigns.calling_hours import default_calling_hours, validate_calling_hours
from leadflow.core.models import TenantOwnedModel
from leadflow.core.validators import validate_e164, validate_time_zone
from leadflow.tenants.models import MaskSide


def clean_name_and_text(instance: CampaignGroup | Campaign) -> dict[str, str]:
    """Strip the name; refuse a name that was only spaces and text PostgreSQL cannot
    store (NUL characters). Field validation runs before ``clean()``, so both checks
    must be made here."""
    errors: dict[str, str] = {}
    raw_name = instance.name or ""
    instance.name = raw_name.strip()
    if raw_name and not instance.name:
        errors["name"] = "This field cannot be blank."
    for field in ("name", "description"):
        if "\x00" in (getattr(instance, field) or ""):
            errors[field] = "Null characters are not allowed."
    return errors


class CampaignGroup(TenantOwnedModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="campaign_group_name_unique_ci")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = clean_name_and_text(self)
        if errors:
            raise ValidationError(errors)
        if self.name and self.tenant_id and (
            CampaignGroup.objects.filter(tenant_id=self.tenant_id, name__iexact=self.name)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError({"name": f"A campaign group named “{self.name}” already exists."})


class CallerIdMode(models.TextChoices):
    FIXED = "fixed", "Fixed number"
    RANDOM_POOL = "random_pool", "Random from a pool per country"


def validate_caller_id_pool(value: Any) -> None:
    """``{"US": ["+12025550143", ...], "GB": [...]}``: ISO country → E.164 numbers."""
    if not isinstance(value, dict):
        raise ValidationError("The caller-ID pool must map a country code to a list of numbers.")
    for country, numbers in value.items():
        if not (isinstance(country, str) and len(country) == 2 and country.isalpha()
                and country.isupper()):
            raise ValidationError(f"{country!r} is not a two-letter country code (e.g. US).")
        if not isinstance(numbers, list) or not numbers:
            raise ValidationError(f"{country}: give at least one number.")
        for number in numbers:
            try:
                validate_e164(number)
            except ValidationError as exc:
                raise ValidationError(f"{country}: {exc.messages[0]}") from exc


def _range(low: int, high: int) -> list[Any]:
    return [MinValueValidator(low), MaxValueValidator(high)]


class Campaign(TenantOwnedModel):
    group = models.ForeignKey(
        CampaignGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    # Basic settings
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Feedback page settings
    feedback_timeout_seconds = models.PositiveIntegerField(
        default=120, validators=_range(10, 3600),
        help_text="Seconds an agent has after a call to choose a status (10–3600).",
    )
    lead_lease_seconds = models.PositiveIntegerField(
        default=900, validators=_range(30, 86400),
        help_text="How long a handed-out lead stays reserved for its agent (30–86400 s).",
    )
    # Calling hours
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone],
        help_text="Used for leads whose own time zone is unknown.",
    )
    calling_hours = models.JSONField(default=default_calling_hours,
                                     validators=[validate_calling_hours])
    # Dialing
    assigned_limit = models.PositiveIntegerField(
        default=0, validators=_range(0, 100000),
        help_text="Most leads one agent may hold by permanent assignment (0 = no limit).",
    )
    max_attempts_per_day = models.PositiveIntegerField(
        default=0, validators=_range(0, 1000), help_text="0 = no limit.")
    max_attempts_total = models.PositiveIntegerField(
        default=0, validators=_range(0, 100000), help_text="0 = no limit.")
    min_minutes_between_calls = models.PositiveIntegerField(
        default=0, validators=_range(0, 525600), help_text="0 = no minimum gap.")
    callback_escalation_minutes = models.PositiveIntegerField(
        default=30, validators=_range(0, 10080),
        help_text="A personal callback missed by this many minutes becomes general "
                  "(0 = never).",
    )
    caller_id_mode = models.CharField(max_length=12, choices=CallerIdMode.choices,
                                      default=CallerIdMode.FIXED)
    caller_id_number = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    caller_id_pool = models.JSONField(default=dict, blank=True,
                                      validators=[validate_caller_id_pool])
    # Masking
    mask_phones = models.BooleanField(default=True)
    mask_show = models.CharField(max_length=5, choices=MaskSide.choices, default=MaskSide.LAST)
    mask_digits = models.PositiveSmallIntegerField(default=4, validators=_range(0, 15))

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="campaign_name_unique_ci")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = clean_name_and_text(self)
        if "name" not in errors and self.name and self.tenant_id and (
            Campaign.objects.filter(tenant_id=self.tenant_id, name__iexact=self.name)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["name"] = f"A campaign named “{self.name}” already exists."
        if self.group_id and self.tenant_id and self.group is not None and (
            self.group.tenant_id != self.tenant_id
        ):
            errors["group"] = "Campaign group not found."
        if self.caller_id_mode == CallerIdMode.FIXED and not self.caller_id_number and (
            self.caller_id_pool
        ):
            errors["caller_id_number"] = (
                "A fixed caller ID needs a number; or choose “Random from a pool”."
            )
        if self.caller_id_mode == CallerIdMode.RANDOM_POOL and not self.caller_id_pool:
            errors["caller_id_pool"] = "A random caller ID needs at least one number in the pool."
        if errors:
            raise ValidationError(errors)


class ConferenceCallerId(models.TextChoices):
    LEAD_PHONE = "lead_phone", "By Lead Phone"
    FIXED = "fixed", "By Fixed Number"


_SIP_URI = re.compile(r"^sips?:(?:[^@\s<>\"]+@)?[A-Za-z0-9.\-\[\]:]+(?::\d{1,5})?(?:;[^\s<>\"]*)?$")
_DIGITS = re.compile(r"^\+?\d{1,20}$")


def validate_sip_uri(value: str) -> None:
    if not _SIP_URI.match(value or ""):
        raise ValidationError(
            "%(value)s is not a SIP URI; use sip:user@host[:port] (for example "
            "sip:closers@pbx.example.com).", params={"value": value}, code="sip_uri")


class SipForwardUri(TenantOwnedModel):
    """Where an agent forwards or conferences a call (the seed's "SIP Forward URIs").

    The support team sets the URI; the admin picks which caller ID the third side sees
    in a conference: the lead's own number, as in the main conversation, or fixed digits.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE,
                                 related_name="sip_forward_uris")
    name = models.CharField(max_length=80)
    uri = models.CharField(max_length=255, validators=[validate_sip_uri],
                           help_text="sip:user@host[:port][;params]")
    conference_caller_id_mode = models.CharField(
        max_length=10, choices=ConferenceCallerId.choices, default=ConferenceCallerId.LEAD_PHONE,
        verbose_name="Conference Caller ID")
    conference_caller_id = models.CharField(
        max_length=21, blank=True, verbose_name="Fixed number",
        help_text="Any digits (a leading + allowed); used with “By Fixed Number”.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("campaign", Lower("name"), name="sip_forward_name_unique_ci")
        ]
        ordering = ["campaign_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uri})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = (self.name or "").strip()
        self.uri = (self.uri or "").strip()
        self.conference_caller_id = (self.conference_caller_id or "").strip()
        if not self.name:
            errors["name"] = "This field cannot be blank."
        if any("\x00" in value for value in (self.name, self.uri, self.conference_caller_id)):
            errors["name"] = "Null characters are not allowed."
        if self.conference_caller_id_mode == ConferenceCallerId.FIXED:
            if not _DIGITS.match(self.conference_caller_id):
                errors["conference_caller_id"] = (
                    "“By Fixed Number” needs the number: digits only, a leading + allowed, "
                    "at most 20 digits.")
        else:
            self.conference_caller_id = ""  # "By Lead Phone" keeps no number of its own
        if "name" not in errors and self.campaign_id and (
            SipForwardUri.objects.filter(campaign_id=self.campaign_id, name__iexact=self.name)
            .exclude(pk=self.pk).exists()
        ):
            errors["name"] = f"This campaign already has a SIP forward URI named “{self.name}”."
        if errors:
            raise ValidationError(errors)

    def conference_caller_id_for(self, lead_phone: str) -> str:
        """The caller ID the third side of a conference sees on a call to this lead."""
        if self.conference_caller_id_mode == ConferenceCallerId.FIXED:
            return self.conference_caller_id
        return lead_phone

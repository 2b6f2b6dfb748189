"""Forms for the campaign and campaign-group pages."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from leadflow.campaigns.calling_hours import WEEKDAY_LABELS, WEEKDAYS, parse_calling_hours
from leadflow.campaigns.models import (
    Campaign,
    CampaignGroup,
    ConferenceCallerId,
    validate_caller_id_pool,
)
from leadflow.core.validators import available_time_zones

SECTIONS: list[tuple[str, list[str]]] = [
    ("Basic Settings", ["name", "description", "group", "is_active"]),
    ("Feedback Page Settings", ["feedback_timeout_seconds", "lead_lease_seconds"]),
    ("Calling Hours", ["time_zone"]),
    ("Dialing", ["assigned_limit", "max_attempts_per_day", "max_attempts_total",
                 "min_minutes_between_calls", "caller_id_mode", "caller_id_number",
                 "caller_id_pool_text"]),
    ("Masking", ["mask_phones", "mask_show", "mask_digits"]),
]


# Model fields this form edits through form fields of another name.
MODEL_FIELD_ALIASES: dict[str, str] = {"calling_hours": "hours_mon_start",
                                       "caller_id_pool": "caller_id_pool_text"}


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(available_time_zones())]


def format_caller_id_pool(pool: dict[str, list[str]]) -> str:
    lines = (f"{country}: {', '.join(numbers)}" for country, numbers in sorted(pool.items()))
    return "\n".join(lines)


def parse_caller_id_pool(text: str) -> dict[str, list[str]]:
    """Lines ``US: +12025550143, +12025550199`` → ``{"US": [...]}``."""
    pool: dict[str, list[str]] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        country, sep, numbers = line.partition(":")
        if not sep:
            raise ValidationError(f"Line {line_number}: write COUNTRY: +number, +number.")
        values = [n for n in re.split(r"[,\s]+", numbers.strip()) if n]
        pool.setdefault(country.strip().upper(), []).extend(values)
    validate_caller_id_pool(pool)
    return pool


class CampaignForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices, label="Default time zone",
                                  help_text="Used for leads whose own time zone is unknown.")
    caller_id_pool_text = forms.CharField(
        label="Caller-ID pool", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One country per line: US: +12025550143, +12025550199",
    )

    class Meta:
        model = Campaign
        fields = [
            "name", "description", "group", "is_active", "feedback_timeout_seconds",
            "lead_lease_seconds", "time_zone", "assigned_limit", "max_attempts_per_day",
            "max_attempts_total", "min_minutes_between_calls", "caller_id_mode",
            "caller_id_number", "mask_phones", "mask_show", "mask_digits",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "is_active": "Active",
            "feedback_timeout_seconds": "Feedback page timeout (seconds)",
            "lead_lease_seconds": "Lead lease (seconds)",
            "assigned_limit": "Assigned Limit",
            "max_attempts_per_day": "Max attempts per day",
            "max_attempts_total": "Max attempts in total",
            "min_minutes_between_calls": "Minimum minutes between calls",
            "caller_id_mode": "Caller ID",
            "caller_id_number": "Fixed caller-ID number",
            "mask_phones": "Mask phone numbers",
            "mask_show": "Visible part",
            "mask_digits": "Visible digits",
        }

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = cast(forms.ModelChoiceField, self.fields["group"])
        group_field.queryset = CampaignGroup.objects.filter(tenant=tenant)
        group_field.empty_label = "Campaigns without a group"
        hours = self.instance.calling_hours or {}
        for day in WEEKDAYS:
            window = hours.get(day)
            label = WEEKDAY_LABELS[day]
            self.fields[f"hours_{day}_open"] = forms.BooleanField(
                required=False, label=label, initial=window is not None)
            self.fields[f"hours_{day}_start"] = forms.TimeField(
                required=False, label=f"{label} from",
                initial=window["start"] if window else "09:00",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
            self.fields[f"hours_{day}_end"] = forms.TimeField(
                required=False, label=f"{label} to",
                initial=window["end"] if window else "20:00",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
        self.fields["caller_id_pool_text"].initial = format_caller_id_pool(
            self.instance.caller_id_pool or {})

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def calling_hour_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField,
                                              forms.BoundField]]:
        return [(WEEKDAY_LABELS[d], self[f"hours_{d}_open"], self[f"hours_{d}_start"],
                 self[f"hours_{d}_end"]) for d in WEEKDAYS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, dict[str, str] | None] = {}
        for day in WEEKDAYS:
            if not data.get(f"hours_{day}_open"):
                hours[day] = None
                continue
            start, end = data.get(f"hours_{day}_start"), data.get(f"hours_{day}_end")
            if start is None or end is None:
                self.add_error(f"hours_{day}_start", "An open day needs a start and an end time.")
                continue
            hours[day] = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
            try:
                parse_calling_hours({day: hours[day]})
            except ValidationError as exc:
                self.add_error(f"hours_{day}_start", exc.messages[0])
        data["calling_hours"] = hours
        self.instance.calling_hours = hours
        try:
            data["caller_id_pool"] = parse_caller_id_pool(data.get("caller_id_pool_text") or "")
            # The model's own checks (run next by the ModelForm) must see the new pool.
            self.instance.caller_id_pool = data["caller_id_pool"]
        except ValidationError as exc:
            self.add_error("caller_id_pool_text", exc.messages[0])
        return data

    def add_error(self, field: str | None, error: Any) -> None:
        # Model validation names calling_hours / caller_id_pool, which this form edits
        # through other fields; a field name the form lacks would raise ValueError.
        # When the form already refused that input, its own message is the precise one.
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            errors = {MODEL_FIELD_ALIASES.get(name, name): messages
                      for name, messages in error.error_dict.items()
                      if not (name in MODEL_FIELD_ALIASES
                              and MODEL_FIELD_ALIASES[name] in self.errors)}
            if not errors:
                return
            error = ValidationError(errors)
        super().add_error(field, error)

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of campaign_create / campaign_update."""
        data = dict(self.cleaned_data)
        group = data.pop("group", None)
        fields = {name: data[name] for name in self.Meta.fields if name != "group"}
        fields.update(group_id=group.id if group else None, calling_hours=data["calling_hours"],
                      caller_id_pool=data["caller_id_pool"])
        return fields


class CampaignGroupForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    campaign_ids = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                                  label="In this group")

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = list(Campaign.objects.filter(tenant=tenant)
                              .select_related("group").order_by("name"))
        choices = [(c.id, c.name) for c in self.campaigns]
        cast(forms.ChoiceField, self.fields["campaign_ids"]).choices = choices


class SipForwardUriForm(forms.Form):
    """The fields of the seed's SIP Forward URI edit page; the service validates them."""

    name = forms.CharField(max_length=80)
    uri = forms.CharField(
        max_length=255, label="SIP URI", help_text="sip:user@host[:port][;params]",
        widget=forms.TextInput(attrs={"placeholder": "sip:closers@pbx.example.com"}))
    conference_caller_id_mode = forms.ChoiceField(
        choices=ConferenceCallerId.choices, label="Conference Caller ID",
        help_text="The caller ID the third side of a conference sees.")
    conference_caller_id = forms.CharField(
        max_length=21, required=False, label="Fixed number",
        help_text="Any digits (a leading + allowed); used with “By Fixed Number”.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

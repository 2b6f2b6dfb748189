"""Forms of the lead pages: upload, column mapping and options, DNC entries, custom fields."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import PurePath
from typing import Any, cast

import phonenumbers
from django import forms
from phonenumbers import geocoder

from leadflow.campaigns.models import Campaign
from leadflow.leads.custom_fields import KEY_PATTERN, custom_key_from_header
from leadflow.leads.imports import validate_mapping
from leadflow.leads.intake.normalise import CUSTOM_PREFIX, IGNORE, LEAD_TARGETS
from leadflow.leads.intake.reader import guess_mapping
from leadflow.leads.models import CampaignField, CustomFieldType, ImportJob, ImportKind
from leadflow.tenants.models import Tenant

CUSTOM = "custom"  # the select's "custom field…" choice; the key comes from its text box
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@lru_cache(maxsize=1)
def region_choices() -> list[tuple[str, str]]:
    """Every region phonenumbers knows, as "United States (US, +1)", sorted by name."""
    choices = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        name = geocoder.country_name_for_number(example, "en") if example else ""
        code = phonenumbers.country_code_for_region(region)
        choices.append((region, f"{name or region} ({region}, +{code})"))
    return sorted(choices, key=lambda choice: choice[1])


def target_choices(kind: str) -> list[tuple[str, str]]:
    if kind == ImportKind.DNC:
        return [("phone", "Phone"), (IGNORE, "Ignore")]
    return [*LEAD_TARGETS.items(), (CUSTOM, "Custom field…"), (IGNORE, "Ignore")]


def _campaign_field(tenant: Tenant, *, required: bool, label: str,
                    empty_label: str) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(queryset=Campaign.objects.filter(tenant=tenant)
                                   .order_by("name"), required=required, label=label)
    field.empty_label = empty_label
    return field


def _datetime_local(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        required=False, label=label, help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))


class UploadForm(forms.Form):
    """Step 1: the file (and, for leads, the campaign they go to)."""

    file = forms.FileField(label="File", help_text="CSV (any delimiter, UTF-8 or Windows "
                                                   "encodings) or Excel .xlsx.")

    def __init__(self, *args: Any, tenant: Tenant, kind: str, max_mb: int,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["file"].widget.attrs.update({
            "accept": ",".join(UPLOAD_SUFFIXES), "data-max-bytes": str(max_mb * 1024 * 1024),
            "data-max-mb": str(max_mb)})
        self.fields["file"].help_text += f" At most {max_mb} MB."
        if kind == ImportKind.LEADS:
            self.fields["campaign"] = _campaign_field(
                tenant, required=True, label="Campaign", empty_label="Choose a campaign…")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix == ".xls":
            raise forms.ValidationError("Old Excel .xls files cannot be read; save the sheet "
                                        "as .xlsx or CSV.")
        if suffix not in UPLOAD_SUFFIXES:
            kind = suffix or "a file without an extension"
            raise forms.ValidationError(f"Upload a CSV or XLSX file (not {kind}).")
        return upload


class MappingForm(forms.Form):
    """Step 2: a target per file column, and the import's options.

    Each column ``i`` has ``target_i`` (a lead field, "custom", or "ignore"), and for
    custom fields ``custom_key_i`` and ``custom_type_i``. The preview reads the same
    fields leniently (``preview_inputs``) so it updates while the form is still invalid.
    """

    default_region = forms.ChoiceField(
        required=False, label="Default country",
        help_text="Numbers written without a country code are read in this country "
                  "(unless the row has its own Country).")

    def __init__(self, *args: Any, job: ImportJob, tenant: Tenant,
                 definitions: dict[str, CampaignField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job, self.tenant = job, tenant
        self.kind = job.kind
        self.headers: list[str] = list(job.headers)
        self.definitions = definitions
        region_field = cast(forms.ChoiceField, self.fields["default_region"])
        region_field.choices = [("", "None: numbers need a country code"), *region_choices()]
        region_field.initial = job.options.get("default_region", "")
        for index, (header, guess) in enumerate(zip(self.headers, self._guesses(),
                                                    strict=True)):
            key = custom_key_from_header(header)
            if guess == IGNORE and key in definitions and self.kind == ImportKind.LEADS:
                guess = CUSTOM  # a column named like one of the campaign's custom fields
            self.fields[f"target_{index}"] = forms.ChoiceField(
                choices=target_choices(self.kind), initial=guess, label=header,
                widget=forms.Select(attrs={"data-testid": "target", "class": "target"}))
            self.fields[f"custom_key_{index}"] = forms.CharField(
                required=False, max_length=50, initial=key, label=f"{header}: field key",
                widget=forms.TextInput(attrs={"placeholder": "key", "class": "custom-key",
                                              "data-testid": "custom-key",
                                              "aria-label": f"{header}: custom field key"}))
            self.fields[f"custom_type_{index}"] = forms.ChoiceField(
                choices=CustomFieldType.choices, label=f"{header}: field type",
                initial=definitions[key].field_type if key in definitions else "text",
                widget=forms.Select(attrs={"data-testid": "custom-type",
                                           "aria-label": f"{header}: custom field type"}))
        if self.kind == ImportKind.LEADS:
            self._add_lead_options()
        else:
            self._add_dnc_options()

    def _guesses(self) -> list[str]:
        guesses = guess_mapping(self.headers)
        if self.kind == ImportKind.DNC:
            return [g if g == "phone" else IGNORE for g in guesses]
        return guesses

    def _add_lead_options(self) -> None:
        self.fields["campaign"] = _campaign_field(
            self.tenant, required=True, label="Campaign", empty_label="Choose a campaign…")
        self.fields["campaign"].initial = self.job.campaign_id
        self.fields["dedupe_scope"] = forms.ChoiceField(
            label="A duplicate is the same phone (or CRM id) in", initial="campaign",
            choices=[("campaign", "this campaign"), ("tenant", "any campaign of the tenant")],
            widget=forms.RadioSelect)
        self.fields["on_duplicate"] = forms.ChoiceField(
            label="Duplicates", initial="skip", widget=forms.RadioSelect,
            choices=[("skip", "Skip them (keep the stored lead)"),
                     ("update", "Update the stored lead with the file's non-empty values")])
        self.fields["dnc_policy"] = forms.ChoiceField(
            label="Numbers on the do-not-call list", initial="skip", widget=forms.RadioSelect,
            choices=[("skip", "Skip them"), ("blacklist", "Import them as blacklisted")])

    def _add_dnc_options(self) -> None:
        self.fields["scope"] = forms.ChoiceField(
            label="The numbers are not to be called", widget=forms.RadioSelect,
            initial="campaign" if self.job.campaign_id else "tenant",
            choices=[("tenant", "by any campaign (tenant-wide)"),
                     ("campaign", "by one campaign")])
        self.fields["campaign"] = _campaign_field(
            self.tenant, required=False, label="Campaign", empty_label="Choose a campaign…")
        self.fields["campaign"].initial = self.job.campaign_id
        self.fields["expires_at"] = _datetime_local(
            "Expires", f"Optional, in {self.tenant.time_zone} time. Empty: never expires.")
        self.fields["reason"] = forms.CharField(required=False, max_length=200,
                                                label="Reason")

    # --- what the template lays out -------------------------------------------------
    def column_rows(self, sample_rows: list[list[str]]) -> list[dict[str, Any]]:
        rows = []
        for index, header in enumerate(self.headers):
            samples = [r[index] for r in sample_rows[:3] if index < len(r) and r[index].strip()]
            rows.append({"index": index, "header": header, "samples": samples,
                         "target": self[f"target_{index}"],
                         "key": self[f"custom_key_{index}"],
                         "type": self[f"custom_type_{index}"]})
        return rows

    def option_fields(self) -> list[forms.BoundField]:
        names = (["campaign", "default_region", "dedupe_scope", "on_duplicate", "dnc_policy"]
                 if self.kind == ImportKind.LEADS else
                 ["scope", "campaign", "expires_at", "reason", "default_region"])
        return [self[name] for name in names]

    # --- cleaned values for import_job_configure -------------------------------------
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        columns: list[str] = []
        for index in range(len(self.headers)):
            target = data.get(f"target_{index}", IGNORE)
            if target == CUSTOM:
                key = (data.get(f"custom_key_{index}") or "").strip()
                if KEY_PATTERN.match(key):
                    target = f"{CUSTOM_PREFIX}{key}"
                else:
                    self.add_error(f"custom_key_{index}", "Use lowercase letters a–z, digits "
                                                          "and _ (at most 50).")
                    target = IGNORE
            columns.append(target)
        if self.kind == ImportKind.DNC and data.get("scope") == "campaign" \
                and not data.get("campaign"):
            self.add_error("campaign", "Choose the campaign, or make the numbers tenant-wide.")
        try:
            validate_mapping(self.headers, columns, self.kind)
        except forms.ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    self.add_error(None, message)
        data["columns"] = columns
        return data

    def columns(self) -> list[str]:
        return list(self.cleaned_data["columns"])

    def custom_types(self) -> dict[str, str]:
        return {column[len(CUSTOM_PREFIX):]: self.cleaned_data[f"custom_type_{index}"]
                for index, column in enumerate(self.columns())
                if column.startswith(CUSTOM_PREFIX)}

    def campaign_id(self) -> int | None:
        campaign = self.cleaned_data.get("campaign")
        return campaign.id if campaign else None

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.kind == ImportKind.DNC:
            return {"default_region": data["default_region"], "scope": data["scope"],
                    "expires_at": data["expires_at"], "reason": data["reason"]}
        return {name: data[name] for name in ("default_region", "dedupe_scope",
                                              "on_duplicate", "dnc_policy")}

    # --- lenient reading for the live preview ------------------------------------------
    def preview_inputs(self) -> tuple[list[str], dict[str, str], str, int | None, list[str]]:
        """(columns, custom types, default region, campaign id, mapping problems) from the
        current values, valid or not: a bad choice reads as "ignore", a bad key too."""
        allowed = {value for value, _ in target_choices(self.kind)}
        columns: list[str] = []
        types: dict[str, str] = {}
        problems: list[str] = []
        for index, header in enumerate(self.headers):
            target = str(self[f"target_{index}"].value() or IGNORE)
            target = target if target in allowed else IGNORE
            if target == CUSTOM:
                key = str(self[f"custom_key_{index}"].value() or "").strip()
                if KEY_PATTERN.match(key):
                    target = f"{CUSTOM_PREFIX}{key}"
                    kind = str(self[f"custom_type_{index}"].value() or "text")
                    types[key] = kind if kind in CustomFieldType.values else "text"
                    if key in self.definitions:
                        types[key] = self.definitions[key].field_type
                else:
                    problems.append(f"Column “{header}”: a custom field key uses a–z, 0–9 "
                                    "and _ (at most 50).")
                    target = IGNORE
            columns.append(target)
        try:
            validate_mapping(self.headers, columns, self.kind)
        except forms.ValidationError as exc:
            problems.extend(m for ms in exc.message_dict.values() for m in ms)
        region = str(self["default_region"].value() or "").upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            region = ""
        raw_campaign = str(self["campaign"].value() or "")
        campaign_id = int(raw_campaign) if raw_campaign.isdecimal() else None
        return columns, types, region, campaign_id, problems


class DncSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "Phone digits or reason"}))
    scope = forms.ChoiceField(required=False, label="Scope")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = Campaign.objects.filter(tenant=tenant).order_by("name")
        cast(forms.ChoiceField, self.fields["scope"]).choices = [
            ("", "All entries"), ("tenant", "Tenant-wide only"),
            *((str(c.id), f"Campaign: {c.name}") for c in campaigns)]


class DncEntryForm(forms.Form):
    phone = forms.CharField(max_length=40, label="Phone",
                            help_text="With its country code (+44 20 7946 0123), or a "
                                      "national number in the default country below.")
    default_region = forms.ChoiceField(required=False, label="Default country")
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), required=False,
                                      label="Scope")
    expires_at = _datetime_local("Expires", "Optional. Empty: never expires.")
    reason = forms.CharField(max_length=200, required=False, label="Reason")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["campaign"])
        field.queryset = Campaign.objects.filter(tenant=tenant).order_by("name")
        field.empty_label = "Tenant-wide (every campaign)"
        cast(forms.ChoiceField, self.fields["default_region"]).choices = [
            ("", "None: the number has its country code"), *region_choices()]
        self.fields["expires_at"].help_text = (f"Optional, in {tenant.time_zone} time. "
                                               "Empty: never expires.")

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        campaign = data.get("campaign")
        expires: datetime | None = data.get("expires_at")
        return {"phone": data["phone"], "campaign_id": campaign.id if campaign else None,
                "expires_at": expires, "reason": data.get("reason") or "",
                "default_region": data.get("default_region") or ""}


class CustomFieldForm(forms.Form):
    key = forms.CharField(max_length=50, label="Key",
                          help_text="What files and the API use: lowercase a–z, 0–9 and _. "
                                    "It cannot change later.")
    label = forms.CharField(max_length=80, label="Label")
    field_type = forms.ChoiceField(choices=CustomFieldType.choices, label="Type",
                                   initial=CustomFieldType.TEXT,
                                   help_text="How imports read the values.")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = ("Fixed: leads store their values under this key.")

from __future__ import annotations

from typing import Any

from django import forms

from leadflow.core.validators import available_time_zones
from leadflow.tenants.models import Tenant


class TenantSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=lambda: [(z, z) for z in sorted(available_time_zones())])

    class Meta:
        model = Tenant
        fields = ["name", "time_zone", "mask_phones", "mask_show", "mask_digits",
                  "login_allowed_ips", "session_idle_minutes"]
        widgets = {"login_allowed_ips": forms.Textarea(attrs={"rows": 3})}
        labels = {"mask_phones": "Mask phone numbers by default", "mask_show": "Visible part",
                  "mask_digits": "Visible digits"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_idle_minutes"].required = False  # empty: no idle limit

    def clean_session_idle_minutes(self) -> int:
        return self.cleaned_data.get("session_idle_minutes") or 0


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="Who uses it, e.g. “Salesforce sync”.")
    allowed_ips = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Allowed IPs",
        help_text="Optional: one address or CIDR network per line; empty allows any.")

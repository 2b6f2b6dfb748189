"""Forms of the CRM pages: the Remote Adapter settings and the inbound routes; the
services validate whole settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from leadflow.crm.inbound import INBOUND_FIELDS
from leadflow.ui.conditions import ConditionField


class RemoteAdapterForm(forms.Form):
    webhook_url = forms.CharField(
        max_length=500, required=False, label="Webhook URL",
        help_text="The CRM endpoint that receives every status update (http or https).",
        widget=forms.URLInput(attrs={"placeholder": "https://crm.example.com/leadflow"}))
    is_active = forms.BooleanField(required=False, label="Deliver the outbox to this URL")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=30, initial=10,
                                         label="Timeout (seconds)")


class InboundRouteForm(forms.Form):
    """An inbound route; the condition builder works over the incoming lead's fields."""

    name = forms.CharField(max_length=80)
    campaign_id = forms.TypedChoiceField(coerce=int, label="Campaign",
                                         help_text="Where the leads this route takes go.")
    condition = ConditionField(
        registry=INBOUND_FIELDS, required=False, label="Leads this route takes",
        help_text="Over the lead as it arrives (country from the phone when not given). "
                  "No condition: every lead that no route above took.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["campaign_id"]).choices = campaigns

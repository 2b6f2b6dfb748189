"""The Remote Adapter settings form; the service validates the whole setting."""

from __future__ import annotations

from django import forms


class RemoteAdapterForm(forms.Form):
    webhook_url = forms.CharField(
        max_length=500, required=False, label="Webhook URL",
        help_text="The CRM endpoint that receives every status update (http or https).",
        widget=forms.URLInput(attrs={"placeholder": "https://crm.example.com/leadflow"}))
    is_active = forms.BooleanField(required=False, label="Deliver the outbox to this URL")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=30, initial=10,
                                         label="Timeout (seconds)")

"""The Leads search form (GET): free text, campaign, the campaign's statuses, flags."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from leadflow.campaigns.models import Campaign
from leadflow.leads.selectors_search import LeadSearch
from leadflow.statuses.models import LeadStatus
from leadflow.statuses.selectors import MAX_ID
from leadflow.tenants.models import Tenant


class LeadSearchForm(forms.Form):
    # 100 characters hold any name, email or phone; longer input is an error on the field
    # (and CharField refuses NUL characters before anything reaches the database).
    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={
                            "type": "search", "aria-label": "Search",
                            "placeholder": "Phone digits, name, email or external id"}))
    campaign = forms.ChoiceField(required=False, label="Campaign")
    status = forms.ChoiceField(required=False, label="Status",
                               widget=forms.Select(attrs={"aria-label": "Status"}))
    frozen = forms.BooleanField(required=False, label="Frozen now")
    blacklisted = forms.BooleanField(required=False, label="Blacklisted")
    assigned = forms.BooleanField(required=False, label="Assigned")
    callback = forms.BooleanField(required=False, label="Callback scheduled")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = list(Campaign.objects.filter(tenant=tenant).order_by("name")
                         .values_list("id", "name"))
        cast(forms.ChoiceField, self.fields["campaign"]).choices = [
            ("", "All campaigns"), *((str(cid), name) for cid, name in campaigns)]
        # The status choices are those of the campaign the request names, when it is one
        # of the tenant's; a status id of another campaign is then "not a valid choice".
        chosen = str(self.data.get("campaign", "")) if self.is_bound else ""
        self.campaign_id = next((cid for cid, _ in campaigns if str(cid) == chosen), None)
        statuses = (LeadStatus.objects.filter(tenant=tenant, campaign_id=self.campaign_id)
                    .order_by("position", "id").values_list("id", "name")
                    if self.campaign_id is not None else [])
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", "Any status"), *((str(sid), name) for sid, name in statuses)]

    def search(self, before: str | None) -> LeadSearch:
        """The valid parts of the request as a search; an invalid field is left out (its
        error shows on the form) and a malformed ``before`` starts from the newest."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        campaign = data.get("campaign") or ""
        status = data.get("status") or ""
        return LeadSearch(
            text=data.get("q") or "",
            campaign_id=int(campaign) if campaign else None,
            status_id=int(status) if status and campaign else None,
            frozen=bool(data.get("frozen")), blacklisted=bool(data.get("blacklisted")),
            assigned=bool(data.get("assigned")), callback=bool(data.get("callback")),
            before=_positive_id(before),
        )


def _positive_id(raw: str | None) -> int | None:
    """An id for keyset paging, or None for anything that cannot be one."""
    if raw is None or not raw.isascii() or not raw.isdecimal() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None

"""Leads and the time-zone sets they are called in."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from leadflow.core.models import TenantOwnedModel


class ZoneSet(models.Model):
    """A set of IANA zones a lead may be in, shared by every lead with the same set.

    Leads point at a small integer instead of a zone name so "which leads are inside
    calling hours now?" is a filter on ``zone_set_id IN (…)``, the open sets being
    computed once per query in Python rather than per row in SQL. A lead whose number
    spans several zones is callable only when all of them are inside hours.
    """

    key = models.CharField(max_length=500, unique=True, help_text="Zone names joined by '|'.")

    def __str__(self) -> str:
        return self.key

    @property
    def zone_names(self) -> list[str]:
        return self.key.split("|")


class Lead(TenantOwnedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="leads")
    phone = models.CharField(max_length=20, help_text="E.164")
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True)
    zone_set = models.ForeignKey(ZoneSet, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.ForeignKey("statuses.LeadStatus", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="leads")
    weight = models.IntegerField(default=0)
    frozen_until = models.DateTimeField(null=True, blank=True)
    is_blacklisted = models.BooleanField(default=False)
    assigned_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    callback_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_call_at = models.DateTimeField(null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            # The campaign table's figures come from one index-only scan of this index:
            # counts per (campaign, status, zone set), "available" from the last two columns.
            models.Index(
                fields=["tenant", "campaign", "status", "zone_set", "is_blacklisted",
                        "frozen_until"],
                name="lead_table_figures",
            ),
            models.Index(fields=["tenant", "phone"], name="lead_tenant_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} ({self.first_name} {self.last_name})".strip()

"""The transactional outbox of CRM updates.

A row is written in the same transaction as the lead change it reports, so the CRM
hears about a change exactly when it committed. Delivery (a worker with retries and
signatures) reads ``pending`` rows; until it exists the rows are the contract.
"""

from __future__ import annotations

from django.db import models

from leadflow.core.models import TenantOwnedModel


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class OutboxMessage(TenantOwnedModel):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    lead = models.ForeignKey("leads.Lead", null=True, on_delete=models.SET_NULL,
                             related_name="+", db_index=False)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, on_delete=models.SET_NULL,
                                 related_name="+", db_index=False)
    topic = models.CharField(max_length=40, help_text="e.g. lead.status")
    payload = models.JSONField(default=dict)
    # The receiver de-duplicates on this key: a redelivered row is the same update.
    idempotency_key = models.CharField(max_length=80, unique=True)
    state = models.CharField(max_length=10, choices=OutboxState.choices,
                             default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_pending",
                                condition=models.Q(state="pending")),
                   models.Index(fields=["lead"], name="outbox_lead")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic} for lead {self.lead_id}"

"""The transactional outbox of CRM updates.

A row is written in the same transaction as the lead change it reports, so the CRM
hears about a change exactly when it committed. Delivery (a worker with retries and
signatures, ``crm/delivery.py``) posts ``pending`` rows to the tenant's remote adapter.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models.functions import Lower

from leadflow.core.models import TenantOwnedModel
from leadflow.crm.addresses import literal_private_host, private_allowed


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
    # While a deliverer holds the row: the end of its lease; after a failed try: when
    # the next try is due. NULL: due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_pending",
                                condition=models.Q(state="pending")),
                   models.Index(fields=["lead"], name="outbox_lead")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic} for lead {self.lead_id}"


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class RemoteAdapter(TenantOwnedModel):
    """Where the tenant's CRM receives the outbox: one webhook endpoint per tenant.

    Each POST is signed with ``secret`` (HMAC-SHA256 over ``<timestamp>.<body>``) so the
    CRM can tell Leadflow's updates from anyone else's.
    """

    webhook_url = models.CharField(max_length=500, blank=True,
                                   validators=[URLValidator(schemes=["http", "https"])],
                                   help_text="The CRM endpoint that receives status updates.")
    secret = models.CharField(max_length=80, default=new_signing_secret)
    is_active = models.BooleanField(default=False,
                                    help_text="Deliver the outbox to the webhook URL.")
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="How long to wait for the CRM's answer (1–30 s).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("tenant", name="remote_adapter_one_per_tenant")]

    def clean(self) -> None:
        if self.is_active and not self.webhook_url:
            raise ValidationError({"webhook_url": "An active adapter needs a webhook URL."})
        host = literal_private_host(self.webhook_url) if self.webhook_url else None
        if host and not private_allowed():
            raise ValidationError({"webhook_url": f"{host} is a private or local address; "
                                   "webhooks go to public addresses only here."})


class InboundRoute(TenantOwnedModel):
    """One branch of the inbound routing tree: leads pushed without a campaign go to the
    campaign of the first active route (by position) whose condition they meet."""

    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    condition = models.JSONField(default=dict, blank=True,
                                 help_text="Over the incoming lead's fields; empty: every lead.")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="inbound_route_name_unique_ci")
        ]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

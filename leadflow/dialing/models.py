"""Calls (one row per dial attempt) and the calling rules that narrow campaign hours."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from leadflow.core.models import TenantOwnedModel


class DialResult(models.TextChoices):
    ANSWERED = "answered", "Answered"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"
    VOICEMAIL = "voicemail", "Voicemail"
    ABANDONED = "abandoned", "Abandoned"


class Call(TenantOwnedModel):
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="calls")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    number_dialled = models.CharField(max_length=20)
    caller_id = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    dial_result = models.CharField(max_length=10, choices=DialResult.choices, blank=True)
    status = models.ForeignKey("statuses.LeadStatus", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", db_index=False)
    comment = models.TextField(blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by_system = models.BooleanField(default=False)
    lease_token = models.UUIDField()

    class Meta:
        indexes = [
            # The feedback-timeout sweep looks only at calls still waiting for feedback.
            models.Index(fields=["started_at"], name="call_awaiting_feedback",
                         condition=models.Q(feedback_at__isnull=True)),
            # A campaign's calls over a window: the abandoned-call rate (stats).
            models.Index(fields=["campaign", "started_at"], name="call_campaign_started"),
        ]
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Call {self.pk} to {self.number_dialled}"


def validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Weekdays are a list of numbers 0 (Monday) … 6 (Sunday).")


class CallingRule(models.Model):
    """A legal window for calling a country (or one of its regions), in the lead's zone.

    ``tenant`` empty = a global rule (the US federal 08:00–21:00 ships as one); a tenant
    can add stricter ones. ``weekdays`` empty = every day. The window is start inclusive,
    end exclusive, like campaign windows; it narrows them, it never widens them.
    """

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=64, blank=True)
    start = models.TimeField()
    end = models.TimeField()
    weekdays = models.JSONField(default=list, blank=True, validators=[validate_weekdays])

    class Meta:
        ordering = ["country", "region", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": "The window must end after it starts."})


class Holiday(models.Model):
    """No calls on this local date to leads of the country (or region)."""

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=64, blank=True)
    date = models.DateField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"

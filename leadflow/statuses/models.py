"""Lead statuses of a campaign (the workflow matrix and API mapping come with their issue)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower

from leadflow.core.models import TenantOwnedModel
from leadflow.core.validators import validate_hex_colour


class LeadStatus(TenantOwnedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="statuses")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    color = models.CharField(max_length=7, default="#607d8b", validators=[validate_hex_colour])
    max_call_after_days = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(3650)], help_text="0 = unlimited."
    )
    # A condition (shared condition language) the feedback form must satisfy.
    required_fields = models.JSONField(default=dict, blank=True)
    affects_permanent_assignment = models.BooleanField(default=False)
    allow_call_after = models.BooleanField(default=False)
    is_dialable = models.BooleanField(default=True)
    is_do_not_call = models.BooleanField(default=False)
    is_final = models.BooleanField(default=False)
    is_default_for_new_leads = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint("campaign", Lower("name"), name="status_name_unique_ci"),
        ]
        ordering = ["position", "id"]
        verbose_name_plural = "lead statuses"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        if self.name and self.campaign_id and (
            LeadStatus.objects.filter(campaign_id=self.campaign_id, name__iexact=self.name)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError({"name": f"This campaign already has a status “{self.name}”."})

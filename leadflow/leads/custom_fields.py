"""A campaign's custom lead fields: the definitions behind ``Lead.custom_fields`` keys.

A definition names a key, gives it a label and a type (how imports read its values).
The key is fixed once created: leads store their values under it, and files and the API
map columns to it. Deleting a definition leaves the values in the leads' JSON.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import NotFoundError, save_unique
from leadflow.leads.models import CampaignField, CustomFieldType
from leadflow.tenants.models import Tenant

KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,50}$")


def custom_key_from_header(header: str) -> str:
    """A file header as a key suggestion: "Tier" → "tier", "Lead Score %" → "lead_score"."""
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")[:50]


def campaign_fields(*, tenant: Tenant, campaign: Campaign) -> QuerySet[CampaignField]:
    return CampaignField.objects.filter(tenant=tenant, campaign=campaign).order_by("key")


def campaign_field_get(*, tenant: Tenant, campaign: Campaign, field_id: int) -> CampaignField:
    definition = CampaignField.objects.filter(tenant=tenant, campaign=campaign,
                                              id=field_id).first()
    if definition is None:
        raise NotFoundError(f"Custom field {field_id} not found.")
    return definition


def _check(label: str, field_type: str) -> None:
    if not label.strip():
        raise ValidationError({"label": "Give the field a label."})
    if field_type not in CustomFieldType.values:
        raise ValidationError({"field_type": f"Choose one of {', '.join(CustomFieldType.values)}."})


def campaign_field_create(*, tenant: Tenant, campaign_id: int, key: str, label: str,
                          field_type: str = CustomFieldType.TEXT) -> CampaignField:
    """1. The key is a–z, 0–9 and _ (what imports and the API accept). 2. It is new in
    the campaign. 3. Save; a concurrent create of the same key is a conflict."""
    campaign = Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
    if campaign is None:
        raise NotFoundError(f"Campaign {campaign_id} not found.")
    key = key.strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError({"key": "Use lowercase letters a–z, digits and _ (at most 50)."})
    if CampaignField.objects.filter(campaign=campaign, key=key).exists():
        raise ValidationError({"key": f"The campaign already has a field “{key}”."})
    _check(label, field_type)
    definition = CampaignField(tenant=tenant, campaign=campaign, key=key,
                               label=label.strip(), field_type=field_type)
    definition.full_clean()
    save_unique(definition, message=f"The campaign already has a field “{key}”.", field="key")
    return definition


def campaign_field_update(*, tenant: Tenant, campaign: Campaign, field_id: int, label: str,
                          field_type: str) -> CampaignField:
    """Label and type change; the key does not (leads' values are stored under it)."""
    definition = campaign_field_get(tenant=tenant, campaign=campaign, field_id=field_id)
    _check(label, field_type)
    definition.label, definition.field_type = label.strip(), field_type
    definition.full_clean()
    definition.save(update_fields=["label", "field_type"])
    return definition


def campaign_field_delete(*, tenant: Tenant, campaign: Campaign, field_id: int) -> CampaignField:
    """Remove the definition only: values stay in the leads' ``custom_fields``."""
    definition = campaign_field_get(tenant=tenant, campaign=campaign, field_id=field_id)
    definition.delete()
    return definition

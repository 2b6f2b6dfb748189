"""save_unique: a write that passed validation but lost a unique-index race to a
concurrent writer answers 409 naming the field, and the caller's transaction lives on."""

from __future__ import annotations

import pytest
from django.db import transaction

from leadflow.campaigns.models import CampaignGroup
from leadflow.core.errors import ConflictError, save_unique
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_lost_unique_race_is_a_conflict_naming_the_field_and_the_transaction_survives(
        tenant: Tenant) -> None:
    CampaignGroup.objects.create(tenant=tenant, name="Brand A")
    with transaction.atomic():
        # Validation would have caught it; save() alone is what a concurrent writer's
        # commit between our check and our INSERT leaves us with.
        with pytest.raises(ConflictError) as conflict:
            save_unique(CampaignGroup(tenant=tenant, name="brand a"),
                        message="“brand a” already exists.", field="name")
        assert (conflict.value.status_code, conflict.value.field) == (409, "name")
        CampaignGroup.objects.create(tenant=tenant, name="Brand B")  # still usable
    assert sorted(CampaignGroup.objects.values_list("name", flat=True)) == ["Brand A", "Brand B"]


def test_a_unique_row_is_simply_saved(tenant: Tenant) -> None:
    group = CampaignGroup(tenant=tenant, name="Brand A")
    save_unique(group, message="unused", field="name")
    assert group.pk is not None

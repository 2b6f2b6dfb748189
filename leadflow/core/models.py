"""Base classes for tenant-owned tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from leadflow.tenants.models import Tenant

_M = TypeVar("_M", bound=models.Model)


class TenantQuerySet(models.QuerySet[_M]):
    def for_tenant(self, tenant: Tenant) -> TenantQuerySet[_M]:
        return self.filter(tenant=tenant)


class TenantOwnedModel(models.Model):
    """Every tenant-owned row carries ``tenant_id``; lookups always go through it."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

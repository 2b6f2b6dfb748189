"""Tenants, memberships with roles, and per-tenant API keys."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower

from leadflow.core.validators import validate_time_zone
from leadflow.tenants.networks import normalise_networks


class MaskSide(models.TextChoices):
    FIRST = "first", "Show the first digits"
    LAST = "last", "Show the last digits"


class Tenant(models.Model):
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    mask_phones = models.BooleanField(
        default=True, help_text="Hide phone digits from users without the permission."
    )
    mask_show = models.CharField(max_length=5, choices=MaskSide.choices, default=MaskSide.LAST)
    mask_digits = models.PositiveSmallIntegerField(
        default=4,
        validators=[MaxValueValidator(15)],
        help_text="How many digits stay visible (0 hides all).",
    )
    # Security of the back office and the workspace (API keys have their own lists).
    login_allowed_ips = models.TextField(
        blank=True, verbose_name="Allowed IPs for users",
        help_text="The back office and the agent workspace answer only from these "
                  "addresses or networks, one per line; empty allows any.")
    session_idle_minutes = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(1440)], verbose_name="Idle logout (minutes)",
        help_text="Log users out after this many minutes without a request (0 = never).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="tenant_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.login_allowed_ips = "\n".join(
            normalise_networks(self.login_allowed_ips or "", field="login_allowed_ips"))


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENT = "agent", "Agent"


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage_campaigns(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)


class ApiKey(models.Model):
    """A secret shown once; only its SHA-256 is stored, its prefix identifies it in lists."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    allowed_ips = models.TextField(
        blank=True, help_text="Optional: addresses or networks (CIDR), one per line."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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


class TimeZoneSource(models.TextChoices):
    """Where a lead's time zone came from, in the order they are tried."""

    EXPLICIT = "explicit", "Explicit time zone"
    REGION = "region", "Region / state"
    POSTAL = "postal", "Postal code"
    PHONE = "phone", "Phone number"
    CAMPAIGN = "campaign", "Campaign default"


class CallbackKind(models.TextChoices):
    PERSONAL = "personal", "Personal (the assigned agent)"
    GENERAL = "general", "General (any agent)"


class Lead(TenantOwnedModel):
    # Foreign keys here carry no index of their own: every lookup goes through the
    # composite indexes in Meta, and each extra index costs every insert and update
    # (an import of a million rows pays for each one).
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="leads", db_index=False)
    phone = models.CharField(max_length=20, help_text="E.164")
    phone_extension = models.CharField(max_length=10, blank=True)
    alt_phones = models.JSONField(default=list, blank=True, help_text="Further E.164 numbers.")
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.CharField(max_length=254, blank=True)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=64, blank=True, help_text="State / province code.")
    postal_code = models.CharField(max_length=16, blank=True)
    language = models.CharField(max_length=16, blank=True)
    zone_set = models.ForeignKey(ZoneSet, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", db_index=False)
    tz_source = models.CharField(max_length=8, choices=TimeZoneSource.choices,
                                 default=TimeZoneSource.CAMPAIGN)
    external_id = models.CharField(max_length=100, blank=True, help_text="The CRM's id.")
    source = models.CharField(max_length=100, blank=True, help_text="Affiliate / source.")
    status = models.ForeignKey("statuses.LeadStatus", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="leads", db_index=False)
    weight = models.IntegerField(default=0)
    frozen_until = models.DateTimeField(null=True, blank=True)
    is_blacklisted = models.BooleanField(default=False)
    # The lead's status is dialable: a copy kept by database triggers (leads/0006) on
    # every insert and status change, and when a status's dialability changes, so the
    # claim index can leave out leads no claim may take. Never written by the app.
    status_dialable = models.BooleanField(default=True, db_default=True, editable=False)
    assigned_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+",
                                       db_index=False)
    callback_at = models.DateTimeField(null=True, blank=True)
    # db_default: bulk COPY paths (ops.bulk, intake) name their columns and leave these out.
    callback_kind = models.CharField(max_length=8, choices=CallbackKind.choices, blank=True,
                                     default="", db_default="")
    callback_zone = models.CharField(max_length=64, blank=True, default="", db_default="",
                                     help_text="IANA zone the callback time was chosen in.")
    attempts = models.PositiveIntegerField(default=0)
    attempts_today = models.PositiveIntegerField(default=0, db_default=0)
    attempts_day = models.DateField(null=True, blank=True,
                                    help_text="Campaign-zone date attempts_today counts.")
    last_call_at = models.DateTimeField(null=True, blank=True)
    last_status_change_at = models.DateTimeField(null=True, blank=True)
    # The lease: who holds the lead now and until when. lease_token decides membership
    # of the claim index (held leads leave it); the others are unindexed.
    leased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", db_index=False)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The campaign table's figures come from one index-only scan of this index:
            # counts per (campaign, status, zone set), "available" from the last two columns.
            models.Index(
                fields=["tenant", "campaign", "status", "zone_set", "is_blacklisted",
                        "frozen_until"],
                name="lead_table_figures",
            ),
            # Deduplication lookups: by phone in a campaign or the tenant, by CRM id.
            models.Index(fields=["tenant", "phone"], name="lead_tenant_phone"),
            models.Index(fields=["campaign", "phone"], name="lead_campaign_phone"),
            models.Index(fields=["tenant", "external_id"], name="lead_tenant_external_id",
                         condition=~models.Q(external_id="")),
            # Status deletes (PROTECT) and moves look leads up by status.
            models.Index(fields=["status"], name="lead_status"),
            # Permanently assigned leads are few: a small partial index serves the
            # Assigned Limit count and the agent's own queue.
            models.Index(fields=["assigned_agent", "campaign"], name="lead_assigned_agent",
                         condition=models.Q(assigned_agent__isnull=False)),
            # Scheduled callbacks are few: the claim checks due ones first through this
            # small partial index. (The pool's claim index is created by migration 0003 with
            # vendor-specific SQL: it needs last_call_at NULLS FIRST.)
            models.Index(fields=["tenant", "callback_kind", "callback_at"],
                         name="lead_callbacks",
                         condition=models.Q(callback_at__isnull=False)),
            # Leases in flight are few (about one per agent): expired ones go back to the
            # pool through this index, since leased rows are not in the claim index.
            models.Index(fields=["tenant", "lease_expires_at"], name="lead_leases",
                         condition=models.Q(lease_token__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.phone} ({self.first_name} {self.last_name})".strip()


class CustomFieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / no"


class CampaignField(TenantOwnedModel):
    """A custom lead field of a campaign: the keys of ``Lead.custom_fields`` it knows."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="custom_field_definitions")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=80)
    field_type = models.CharField(max_length=8, choices=CustomFieldType.choices,
                                  default=CustomFieldType.TEXT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "key"],
                                               name="campaign_field_key_unique")]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.label


class DncEntry(TenantOwnedModel):
    """A do-not-call number: tenant-wide when ``campaign`` is empty, else for one campaign."""

    phone = models.CharField(max_length=20, help_text="E.164")
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="dnc_entries")
    expires_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_via = models.CharField(max_length=100, blank=True,
                                 help_text="manual, upload #12, api, status “Do Not Call”…")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # NULL campaigns are distinct in a unique index, so tenant scope needs its own.
            models.UniqueConstraint(fields=["tenant", "phone"], name="dnc_tenant_phone_unique",
                                    condition=models.Q(campaign__isnull=True)),
            models.UniqueConstraint(fields=["tenant", "campaign", "phone"],
                                    name="dnc_campaign_phone_unique",
                                    condition=models.Q(campaign__isnull=False)),
        ]
        ordering = ["-created_at"]
        verbose_name = "do-not-call entry"
        verbose_name_plural = "do-not-call entries"

    def __str__(self) -> str:
        return self.phone


class ImportKind(models.TextChoices):
    LEADS = "leads", "Leads"
    DNC = "dnc", "Do-not-call numbers"


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(TenantOwnedModel):
    """One uploaded file and its import: mapping, options, progress and outcome counts.

    ``processed_rows`` is the checkpoint: it advances in the same transaction as the
    batch it counts, so a killed import resumes after the last committed batch.
    """

    kind = models.CharField(max_length=8, choices=ImportKind.choices, default=ImportKind.LEADS)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=4, default="csv")
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=8, choices=ImportState.choices,
                             default=ImportState.UPLOADED)
    error_message = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    dnc_skipped = models.PositiveIntegerField(default=0)
    blacklisted = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.file_name}"

    @property
    def outcome_total(self) -> int:
        return self.imported + self.updated + self.duplicates + self.rejected + self.dnc_skipped


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text="1 = the first data row after the header")
    column = models.CharField(max_length=255, blank=True)
    value = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["job", "row_number"], name="import_error_job_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class LeadEventKind(models.TextChoices):
    CLAIMED = "claimed", "Handed out"
    CALL_STARTED = "call_started", "Call started"
    CALL_RESULT = "call_result", "Dial result"
    FEEDBACK = "feedback", "Feedback"
    STATUS_CHANGED = "status_changed", "Status changed"
    LEASE_RELEASED = "lease_released", "Lease released"
    CALLBACK_ESCALATED = "callback_escalated", "Personal callback made general"
    RULE_APPLIED = "rule_applied", "Rule applied"
    RULE_LOOP_STOPPED = "rule_loop_stopped", "Rule loop stopped"


class LeadEvent(TenantOwnedModel):
    """Append-only history of a lead: what changed (old → new), who or which rule, when.

    Written in the same transaction as the change it records, never updated or deleted.

    No database foreign keys on ``tenant`` and ``lead``: every writer takes the ids from
    rows it holds locked, and deletes go through the ORM's relations (a campaign's
    leads: ``leads_delete_for_campaign``). PostgreSQL checks a foreign key row by row at
    commit, and for a sweep writing 5,000 events a chunk those checks cost a third of
    the chunk.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+",
                               db_index=False, db_constraint=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events",
                             db_index=False, db_constraint=False)
    kind = models.CharField(max_length=24, choices=LeadEventKind.choices)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    rule_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_event_lead")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} on lead {self.lead_id}"

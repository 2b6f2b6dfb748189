"""Campaign rules: groups of event- and time-based rules, and the time-slot ledger.

A rule's ``conditions`` is a tree of the shared condition language over
``rules.fields.rule_fields``; ``triggers`` and ``actions`` are JSON lists validated by
``rules.validation`` whenever a rule is saved through the services.
"""

from __future__ import annotations

from django.db import models

from leadflow.core.models import TenantOwnedModel


class RuleGroup(TenantOwnedModel):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="rule_groups")
    title = models.CharField(max_length=120)
    is_enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class RuleKind(models.TextChoices):
    EVENT = "event", "Event-based"
    TIME = "time", "Time-based"


class Rule(TenantOwnedModel):
    group = models.ForeignKey(RuleGroup, on_delete=models.CASCADE, related_name="rules")
    # Denormalised from the group: the engine loads a campaign's rules in one query.
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE,
                                 related_name="rules", db_index=False)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=5, choices=RuleKind.choices, default=RuleKind.EVENT)
    # Event rules: [{"event": "status_changed", "from_status": 3, "to_status": 5}, …]
    triggers = models.JSONField(default=list, blank=True)
    # Time rules: hours 0–23 and weekdays 0 (Monday)–6 in the tenant's time zone.
    hours = models.JSONField(default=list, blank=True)
    weekdays = models.JSONField(default=list, blank=True)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list)
    stop_processing = models.BooleanField(
        default=False, help_text="When this rule applies, skip the rules after it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["campaign", "kind"], name="rule_campaign_kind")]

    def __str__(self) -> str:
        return self.name


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class RuleRun(TenantOwnedModel):
    """One time slot of one time-based rule: the exactly-once ledger.

    The unique (rule, slot) key makes a slot start once however many workers tick;
    ``cursor`` (the last lead id handled) advances in the same transaction as each
    chunk's changes, so a crash resumes exactly after the last committed chunk.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    slot = models.DateTimeField(help_text="The slot's hour, in UTC.")
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.RUNNING)
    cursor = models.BigIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-slot", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "slot"],
                                               name="rule_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.rule_id} @ {self.slot:%Y-%m-%d %H:00}"


class RuleDeferral(TenantOwnedModel):
    """A sweep's match on a lead an agent held at that moment: applied after feedback.

    Changing a lead under an agent's open call would race the agent's own outcome, so
    the sweep records the match instead; the feedback transaction (or the release of
    an expired lease) re-checks the condition and applies it, exactly once: the row is
    deleted in the transaction that applies it.
    """

    run = models.ForeignKey(RuleRun, on_delete=models.CASCADE, related_name="deferrals")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "lead"],
                                               name="rule_deferral_once")]

    def __str__(self) -> str:
        return f"run {self.run_id} on lead {self.lead_id}"


class CallbackScan(models.Model):
    """How far the ``callback_due`` trigger has looked, per campaign.

    Callbacks falling due in (scanned_until, now] fire once: the scan of a window and
    the rules it runs commit with the cursor's move, in one transaction.
    """

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE,
                                    primary_key=True, related_name="+")
    scanned_until = models.DateTimeField()
    # Tie-break for callbacks sharing scanned_until: the last lead id handled at it.
    last_lead_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} scanned until {self.scanned_until}"

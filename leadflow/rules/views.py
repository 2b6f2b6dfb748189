"""Pages: a campaign's Rules (groups and rules), their editors and the dry run."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.views import campaign_or_404
from leadflow.core import clock
from leadflow.core.conditions import ConditionError, validate
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.dialing.api import mask_phone
from leadflow.rules import services
from leadflow.rules.fields import RULE_FIELDS
from leadflow.rules.forms import SERVICE_ALIASES, RuleForm, RuleGroupForm
from leadflow.rules.models import Rule, RuleGroup
from leadflow.rules.page_support import (
    actions_summary,
    condition_summary,
    page_data,
    trigger_summary,
)
from leadflow.rules.selectors import rule_dry_run, rule_groups_for_campaign
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of


def _group_or_404(request: HttpRequest, campaign: Campaign, group_id: int) -> RuleGroup:
    group = or_404(services.rule_group_get, tenant=tenant_of(request), group_id=group_id)
    if group.campaign_id != campaign.id:  # the tenant's, but reached by another campaign's URL
        raise Http404("Rule group not found in this campaign.")
    return group


def _rule_or_404(request: HttpRequest, campaign: Campaign, rule_id: int) -> Rule:
    rule = or_404(services.rule_get, tenant=tenant_of(request), rule_id=rule_id)
    if rule.campaign_id != campaign.id:
        raise Http404("Rule not found in this campaign.")
    return rule


@manager_required
def rule_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    data = page_data(campaign)
    registry, choices = data.registry(), data.condition_choices()
    groups = [{"group": group, "rules": [
        {"rule": rule, "schedule": trigger_summary(rule, data),
         "condition": condition_summary(rule.conditions, registry, choices),
         "actions": actions_summary(rule.actions, data)}
        for rule in group.rules.all()]} for group in rule_groups_for_campaign(campaign=campaign)]
    return render(request, "rules/rule_list.html", {
        "campaign": campaign, "groups": groups, "time_zone": tenant_of(request).time_zone})


# --- groups -------------------------------------------------------------------------


def _group_page(request: HttpRequest, campaign: Campaign, group: RuleGroup | None
                ) -> HttpResponse:
    tenant = tenant_of(request)
    form = RuleGroupForm(posted(request), initial=RuleGroupForm.initial_of(group))
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                saved = services.rule_group_create(tenant=tenant, campaign_id=campaign.id,
                                                   **form.service_fields())
            else:
                saved = services.rule_group_update(tenant=tenant, group_id=group.id,
                                                   **form.service_fields())
            messages.success(request, f"Rule group “{saved.title}” saved.")
            return redirect("rule_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    # Form errors answer 200 (the brief's contract for these pages), never a 500.
    return render(request, "rules/group_form.html",
                  {"form": form, "campaign": campaign, "group": group})


@manager_required
def group_create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _group_page(request, campaign_or_404(request, campaign_id), None)


@manager_required
def group_edit(request: HttpRequest, campaign_id: int, group_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    return _group_page(request, campaign, _group_or_404(request, campaign, group_id))


@manager_required
def group_delete(request: HttpRequest, campaign_id: int, group_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    group = _group_or_404(request, campaign, group_id)
    if request.method == "POST":
        count = services.rule_group_delete(tenant=tenant_of(request), group_id=group.id)
        messages.success(request, f"Rule group “{group.title}” deleted with {count} "
                                  f"rule{'s' if count != 1 else ''}.")
        return redirect("rule_list", campaign.id)
    return render(request, "rules/group_confirm_delete.html", {
        "campaign": campaign, "group": group, "rule_count": group.rules.count()})


# --- rules --------------------------------------------------------------------------


def _rule_page(request: HttpRequest, campaign: Campaign, rule: Rule | None,
               group: RuleGroup | None = None) -> HttpResponse:
    tenant = tenant_of(request)
    data = page_data(campaign)
    form = RuleForm(posted(request), initial=RuleForm.initial_of(rule, group), data_=data,
                    groups=RuleGroup.objects.filter(campaign=campaign))
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if rule is None:
                saved = services.rule_create(tenant=tenant,
                                             group_id=form.cleaned_data["group"].id, **fields)
            else:
                saved = services.rule_update(tenant=tenant, rule_id=rule.id,
                                             group_id=form.cleaned_data["group"].id, **fields)
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect(f"{_list_url(campaign)}#group-{saved.group_id}")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, SERVICE_ALIASES)
    return render(request, "rules/rule_form.html", {
        "form": form, "campaign": campaign, "rule": rule,
        "editor_config": data.editor_config(), "time_zone": tenant.time_zone,
    })


def _list_url(campaign: Campaign) -> str:
    return reverse("rule_list", args=[campaign.id])


@manager_required
def rule_create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    group_id = request.GET.get("group", "")
    group = _group_or_404(request, campaign, int(group_id)) if group_id.isdigit() else None
    if group is None and not RuleGroup.objects.filter(campaign=campaign).exists():
        messages.info(request, "Create a rule group first: every rule belongs to one.")
        return redirect("rule_group_create", campaign.id)
    return _rule_page(request, campaign, None, group)


@manager_required
def rule_edit(request: HttpRequest, campaign_id: int, rule_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    return _rule_page(request, campaign, _rule_or_404(request, campaign, rule_id))


@manager_required
def rule_delete(request: HttpRequest, campaign_id: int, rule_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    rule = _rule_or_404(request, campaign, rule_id)
    if request.method == "POST":
        services.rule_delete(tenant=tenant_of(request), rule_id=rule.id)
        messages.success(request, f"Rule “{rule.name}” deleted.")
        return redirect("rule_list", campaign.id)
    return render(request, "rules/rule_confirm_delete.html",
                  {"campaign": campaign, "rule": rule})


@require_POST
@manager_required
def rule_dry_run_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The editor's unsaved condition against the campaign's leads now (an htmx fragment).

    A bad condition is the fragment's message, not an error status: htmx swaps only
    2xx responses, and the editor must show why."""
    campaign = campaign_or_404(request, campaign_id)
    context: dict[str, Any] = {"campaign": campaign}
    try:
        conditions = json.loads(request.POST.get("conditions") or "{}")
        if not isinstance(conditions, dict):
            raise ConditionError("a condition must be a JSON object")
        validate(conditions, RULE_FIELDS)
        result = rule_dry_run(campaign=campaign, conditions=conditions, now=clock.now())
    except ValueError:
        context["error"] = "The condition is not valid JSON."
    except ConditionError as exc:
        context["error"] = str(exc)
    else:
        context.update(result=result, rows=[
            {"lead": lead, "phone": mask_phone(lead.phone, campaign)} for lead in result.sample])
    return render(request, "rules/_dry_run.html", context)

"""Routing pages (admin / supervisor): user groups, desks, agents, object lists, and the
campaign's Users List."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import DomainError, NotFoundError, validation_error_messages
from leadflow.core.forms import add_service_errors
from leadflow.routing import selectors, services
from leadflow.routing.conditions import referenced_campaign_ids, summarize
from leadflow.routing.forms import (
    AgentProfileForm,
    DeskForm,
    FilterGroupFormSet,
    ObjectListForm,
    PriorityGroupFormSet,
    UserGroupForm,
    condition_choices,
)
from leadflow.routing.models import (
    AgentProfile,
    BreakState,
    Desk,
    ObjectList,
    UserGroup,
)
from leadflow.tenants.models import Membership, Role, Tenant
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, tenant_of

# --- user groups ------------------------------------------------------------------------


@manager_required
def user_group_list(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    query = request.GET.get("q", "").strip()
    found = UserGroup.objects.filter(tenant=tenant)
    if query:
        found = found.filter(Q(name__icontains=query) | Q(description__icontains=query)
                               | Q(filter_groups__name__icontains=query)).distinct()
    groups = list(found.prefetch_related("filter_groups"))
    filters = [fg for g in groups for fg in g.filter_groups.all()]
    resolved = selectors.resolved_conditions(tenant=tenant, groups=filters)
    campaigns = dict(Campaign.objects.filter(tenant=tenant).values_list("id", "name"))
    names = {"campaign": campaigns}
    list_names = dict(ObjectList.objects.filter(tenant=tenant).values_list("id", "name"))
    rows = []
    for group in groups:
        referenced: set[int] = set()
        all_campaigns = False
        summaries = []
        for fg in group.filter_groups.all():
            ids = referenced_campaign_ids(resolved[fg.id]) if resolved[fg.id] is not None else set()
            if ids is None:
                all_campaigns = True
            else:
                referenced |= ids
            weight = "failover" if fg.is_failover else ("off" if fg.weight == 0
                                                        else f"weight {fg.weight}")
            summaries.append(f"{fg.name} ({weight}): "
                             + summarize(fg.condition, names=names, list_names=list_names))
        rows.append({"group": group, "all_campaigns": all_campaigns,
                     "campaigns": sorted(campaigns.get(i, f"#{i}") for i in referenced),
                     "summaries": summaries})
    template = ("routing/_user_group_rows.html" if request.headers.get("HX-Request")
                else "routing/user_group_list.html")
    return render(request, template, {"rows": rows, "q": query})


_ROW_ERROR = re.compile(r"^(filter_groups|priority_groups)\[(\d+)\](?:\.(\w+))?$")


def _add_row_errors(formsets: dict[str, Any], form: Any, error: ValidationError | DomainError,
                    ) -> None:
    """Service errors named ``filter_groups[1].condition`` land on that row's field."""
    if isinstance(error, DomainError):
        form.add_error(None, error.message)
        return
    rest: dict[str, list[str]] = {}
    for name, messages_ in validation_error_messages(error).items():
        match = _ROW_ERROR.match(name)
        if match is None:
            if name in formsets:
                formsets[name].non_form_errors().extend(messages_)  # shown above the rows
                continue
            rest[name] = messages_
            continue
        rows = formsets[match.group(1)].kept
        index, field = int(match.group(2)), match.group(3)
        target = rows[index] if index < len(rows) else None
        for message in messages_:
            if target is not None and field in target.fields:
                target.add_error(field, message)
            else:
                form.add_error(None, f"{name}: {message}")
    if rest:
        add_service_errors(form, ValidationError(rest))


def _kept(formset: Any) -> list[Any]:
    return [f for f in formset.forms if f.has_changed() or f.cleaned_data.get("id")
            if not f.cleaned_data.get("DELETE")] if formset.is_valid() else []


# Fields an object list can feed (the ``in`` / ``not_in`` operators).
LIST_FIELDS = ["country", "status", "campaign", "phone", "first_name", "last_name",
               "weight", "attempts", "assigned_agent"]


def _user_group_page(request: HttpRequest, group: UserGroup | None) -> HttpResponse:
    tenant = tenant_of(request)
    choices = condition_choices(tenant)
    data = request.POST if request.method == "POST" else None
    fg_initial = [{"id": f.id, "name": f.name, "condition": f.condition, "weight": f.weight,
                   "is_failover": f.is_failover, "order": f.order}
                  for f in (group.filter_groups.all() if group else [])]
    pg_initial = [{"id": p.id, "desk": p.desk_id, "priority": p.priority}
                  for p in (group.priority_groups.all() if group else [])]
    form = UserGroupForm(data, instance=group or UserGroup(tenant=tenant))
    filters = FilterGroupFormSet(data, initial=fg_initial, prefix="fg",
                                 form_kwargs={"tenant": tenant, "choices": choices})
    priorities = PriorityGroupFormSet(data, initial=pg_initial, prefix="pg",
                                      form_kwargs={"tenant": tenant})
    if data is not None and all([form.is_valid(), filters.is_valid(), priorities.is_valid()]):
        filters.kept, priorities.kept = _kept(filters), _kept(priorities)  # type: ignore[attr-defined]
        try:
            saved = services.user_group_save(
                tenant=tenant, user_group_id=group.id if group else None,
                name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                caller_id_name=form.cleaned_data["caller_id_name"],
                dial_ratio=form.cleaned_data["dial_ratio"],
                filter_groups=[services.FilterGroupInput(
                    id=f.cleaned_data.get("id"), name=f.cleaned_data["name"],
                    condition=f.cleaned_data["condition"], weight=f.cleaned_data["weight"],
                    is_failover=f.cleaned_data["is_failover"], order=f.cleaned_data["order"])
                    for f in filters.kept],  # type: ignore[attr-defined]
                priority_groups=[services.PriorityGroupInput(
                    id=p.cleaned_data.get("id"), desk_id=p.cleaned_data["desk"].id,
                    priority=p.cleaned_data["priority"])
                    for p in priorities.kept])  # type: ignore[attr-defined]
            messages.success(request, f"User group “{saved.name}” saved.")
            return redirect("routing_user_group_list")
        except (ValidationError, DomainError) as exc:
            _add_row_errors({"filter_groups": filters, "priority_groups": priorities}, form, exc)
    failed = data is not None
    lists = ObjectList.objects.filter(tenant=tenant)
    return render(request, "routing/user_group_form.html",
                  {"form": form, "filters": filters, "priorities": priorities, "group": group,
                   "object_lists": lists, "list_fields": LIST_FIELDS},
                  status=400 if failed else 200)


@manager_required
def user_group_create(request: HttpRequest) -> HttpResponse:
    return _user_group_page(request, None)


@manager_required
def user_group_edit(request: HttpRequest, user_group_id: int) -> HttpResponse:
    group = or_404(selectors.user_group_get, tenant=tenant_of(request),
                    user_group_id=user_group_id)
    return _user_group_page(request, group)


@require_POST
@manager_required
def user_group_delete(request: HttpRequest, user_group_id: int) -> HttpResponse:
    or_404(services.user_group_delete, tenant=tenant_of(request), user_group_id=user_group_id)
    messages.success(request, "User group deleted.")
    return redirect("routing_user_group_list")


# --- desks ---------------------------------------------------------------------------


def _agent_choices(tenant: Tenant) -> list[tuple[int, str]]:
    return list(Membership.objects.filter(tenant=tenant, role=Role.AGENT)
                .order_by("user__username").values_list("user_id", "user__username"))


@manager_required
def desk_list(request: HttpRequest) -> HttpResponse:
    desks = Desk.objects.filter(tenant=tenant_of(request)).prefetch_related(
        "agents__user", "priority_groups__user_group")
    return render(request, "routing/desk_list.html", {"desks": desks})


def _desk_page(request: HttpRequest, desk: Desk | None) -> HttpResponse:
    tenant = tenant_of(request)
    initial = ({"name": desk.name, "description": desk.description,
                "members": [str(p.user_id) for p in desk.agents.all()]} if desk else {})
    form = DeskForm(request.POST or None, initial=initial, agents=_agent_choices(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            services.desk_save(tenant=tenant, desk_id=desk.id if desk else None,
                               name=form.cleaned_data["name"],
                               description=form.cleaned_data["description"],
                               member_ids=[int(v) for v in form.cleaned_data["members"]])
            messages.success(request, "Desk saved.")
            return redirect("routing_desk_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "routing/simple_form.html",
                  {"form": form, "title": f"Desk · {desk.name}" if desk else "New desk",
                   "back": "routing_desk_list", "delete_url": None},
                  status=400 if form.errors else 200)


@manager_required
def desk_create(request: HttpRequest) -> HttpResponse:
    return _desk_page(request, None)


@manager_required
def desk_edit(request: HttpRequest, desk_id: int) -> HttpResponse:
    return _desk_page(request, or_404(selectors.desk_get, tenant=tenant_of(request),
                                       desk_id=desk_id))


@require_POST
@manager_required
def desk_delete(request: HttpRequest, desk_id: int) -> HttpResponse:
    or_404(services.desk_delete, tenant=tenant_of(request), desk_id=desk_id)
    messages.success(request, "Desk deleted.")
    return redirect("routing_desk_list")


# --- agents and breaks ------------------------------------------------------------------


@manager_required
def agent_list(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    memberships = list(Membership.objects.filter(tenant=tenant, role=Role.AGENT)
                       .select_related("user").order_by("user__username"))
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(tenant=tenant)
                .select_related("break_state").prefetch_related("desks")}
    rows = [{"membership": m, "profile": profiles.get(m.user_id)} for m in memberships]
    breaks = BreakState.objects.filter(tenant=tenant)
    return render(request, "routing/agent_list.html",
                  {"rows": rows, "breaks": breaks, "tenant": tenant})


@manager_required
def agent_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    membership = Membership.objects.filter(tenant=tenant, user_id=user_id,
                                           role=Role.AGENT).select_related("user").first()
    if membership is None:
        raise Http404("Agent not found.")
    profile = selectors.agent_profile(membership.user, tenant)
    form = AgentProfileForm(request.POST or None, instance=profile, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        desks = data.pop("desks")
        try:
            services.agent_profile_update(tenant=tenant, user_id=user_id,
                                          desk_ids=[d.id for d in desks], **data)
            messages.success(request, f"Agent {membership.user.username} saved.")
            return redirect("routing_agent_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "routing/simple_form.html",
                  {"form": form, "title": f"Agent · {membership.user.username}",
                   "back": "routing_agent_list"}, status=400 if form.errors else 200)


@require_POST
@manager_required
def break_create(request: HttpRequest) -> HttpResponse:
    try:
        services.break_state_create(tenant=tenant_of(request), name=request.POST.get("name", ""))
        messages.success(request, "Break added.")
    except ValidationError as exc:
        messages.error(request, "; ".join(m for ms in validation_error_messages(exc).values()
                                          for m in ms))
    return redirect("routing_agent_list")


@require_POST
@manager_required
def break_delete(request: HttpRequest, break_id: int) -> HttpResponse:
    try:
        services.break_state_delete(tenant=tenant_of(request), break_state_id=break_id)
        messages.success(request, "Break deleted.")
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("routing_agent_list")


# --- object lists ---------------------------------------------------------------------


@manager_required
def object_list_list(request: HttpRequest) -> HttpResponse:
    lists = ObjectList.objects.filter(tenant=tenant_of(request))
    return render(request, "routing/object_list_list.html", {"lists": lists})


def _object_list_page(request: HttpRequest, obj: ObjectList | None) -> HttpResponse:
    tenant = tenant_of(request)
    initial = ({"name": obj.name, "kind": obj.kind,
                "values_text": "\n".join(str(v) for v in obj.values)} if obj else {})
    form = ObjectListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.object_list_save(tenant=tenant, object_list_id=obj.id if obj else None,
                                      name=form.cleaned_data["name"],
                                      kind=form.cleaned_data["kind"],
                                      values=form.cleaned_data["values"])
            messages.success(request, "Object list saved.")
            return redirect("routing_object_list_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"values": "values_text"})
    title = f"Object list · {obj.name} (id {obj.id})" if obj else "New object list"
    return render(request, "routing/simple_form.html",
                  {"form": form, "title": title, "back": "routing_object_list_list"},
                  status=400 if form.errors else 200)


@manager_required
def object_list_create(request: HttpRequest) -> HttpResponse:
    return _object_list_page(request, None)


@manager_required
def object_list_edit(request: HttpRequest, object_list_id: int) -> HttpResponse:
    return _object_list_page(request, or_404(selectors.object_list_get, tenant=tenant_of(request),
                                              object_list_id=object_list_id))


@require_POST
@manager_required
def object_list_delete(request: HttpRequest, object_list_id: int) -> HttpResponse:
    try:
        services.object_list_delete(tenant=tenant_of(request), object_list_id=object_list_id)
        messages.success(request, "Object list deleted.")
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("routing_object_list_list")


# --- the campaign's Users List --------------------------------------------------------


@manager_required
def campaign_users(request: HttpRequest, campaign_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    campaign = Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
    if campaign is None:
        raise Http404("Campaign not found.")
    rows = selectors.campaign_users(tenant=tenant, campaign_id=campaign.id)
    return render(request, "routing/campaign_users.html", {"campaign": campaign, "rows": rows})


"""Forms for the routing pages. Filter groups edit their condition with ConditionField."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from leadflow.campaigns.models import Campaign
from leadflow.core.conditions import ConditionError
from leadflow.core.validators import available_time_zones
from leadflow.routing.conditions import ROUTING_FIELDS, resolve_object_lists
from leadflow.routing.models import (
    AgentProfile,
    Desk,
    ObjectListKind,
    QueueSorting,
    UserGroup,
)
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant
from leadflow.ui.conditions import ConditionBuilderWidget, ConditionField


class RoutingConditionField(ConditionField):
    """ConditionField over ROUTING_FIELDS whose object-list references are resolved
    (within the tenant) before the language validates the tree."""

    def __init__(self, *, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(registry=ROUTING_FIELDS, **kwargs)
        self.tenant = tenant

    def validate(self, value: Any) -> None:
        try:
            resolved = resolve_object_lists(value, self.tenant) if value else value
        except ConditionError as exc:
            if isinstance(self.widget, ConditionBuilderWidget):
                self.widget.error_path = exc.path
            raise ValidationError(str(exc), code="invalid_condition") from None
        super().validate(resolved)


def condition_choices(tenant: Tenant) -> dict[str, list[tuple[int, str]]]:
    campaigns = list(Campaign.objects.filter(tenant=tenant).order_by("name")
                     .values_list("id", "name"))
    statuses = [(s.id, f"{s.campaign.name} · {s.name}") for s in LeadStatus.objects.filter(
        tenant=tenant).select_related("campaign").order_by("campaign__name", "position", "id")]
    return {"campaign": campaigns, "status": statuses}


class UserGroupForm(forms.ModelForm):
    class Meta:
        model = UserGroup
        fields = ["name", "description", "caller_id_name", "dial_ratio"]
        labels = {"caller_id_name": "Caller-ID name"}


class FilterGroupForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=80)
    weight = forms.IntegerField(min_value=0, max_value=1000, initial=1,
                                help_text="A ratio (3/2/1 = 30/20/10); 0 = off.")
    is_failover = forms.BooleanField(required=False, label="Failover")
    order = forms.IntegerField(min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, tenant: Tenant, choices: dict[str, Any],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["condition"] = RoutingConditionField(tenant=tenant, choices=choices)


class PriorityGroupForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    desk = forms.ModelChoiceField(queryset=Desk.objects.none())
    priority = forms.IntegerField(min_value=1, max_value=99, initial=1,
                                  help_text="1 is tried first.")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = Desk.objects.filter(tenant=tenant)  # type: ignore[attr-defined]


FilterGroupFormSet = forms.formset_factory(FilterGroupForm, extra=1, can_delete=True)
PriorityGroupFormSet = forms.formset_factory(PriorityGroupForm, extra=1, can_delete=True)


class DeskForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=300, required=False)
    members = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                        help_text="The tenant's agents.")

    def __init__(self, *args: Any, agents: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = agents  # type: ignore[attr-defined]


class AgentProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=lambda: [(z, z) for z in sorted(available_time_zones())])
    desks = forms.ModelMultipleChoiceField(queryset=Desk.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    personal_queue_sorting = forms.ChoiceField(choices=QueueSorting.choices)

    class Meta:
        model = AgentProfile
        fields = ["desks", "time_zone", "language", "assign_leads", "auto_dial",
                  "personal_queue_enabled", "personal_queue_ratio", "personal_queue_sorting",
                  "caller_id_name", "caller_id_number"]

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["desks"].queryset = Desk.objects.filter(tenant=tenant)  # type: ignore[attr-defined]


class ObjectListForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=ObjectListKind.choices)
    values_text = forms.CharField(label="Values", required=False,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text="One value per line (numbers for a number list).")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = [v.strip() for v in str(data.get("values_text", "")).splitlines() if v.strip()]
        if data.get("kind") == ObjectListKind.NUMBER:
            try:
                data["values"] = [int(v) for v in lines]
            except ValueError:
                self.add_error("values_text", "Every line must be a whole number.")
        else:
            data["values"] = lines
        return data

"""Forms of the Rules pages: a group, a rule (triggers and actions as JSON lists that
``rules/rules.js`` edits), and the dry run's posted condition."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from leadflow.rules.fields import RULE_FIELDS
from leadflow.rules.models import Rule, RuleGroup, RuleKind
from leadflow.rules.page_support import WEEKDAY_NAMES, RulePageData
from leadflow.ui.conditions import ConditionBuilderWidget, ConditionField

HOUR_CHOICES = [(h, f"{h:02d}") for h in range(24)]
WEEKDAY_CHOICES = list(enumerate(WEEKDAY_NAMES))


class RuleGroupForm(forms.Form):
    title = forms.CharField(max_length=120)
    is_enabled = forms.BooleanField(required=False, initial=True, label="Enabled",
                                    help_text="The rules of a disabled group never fire.")

    def service_fields(self) -> dict[str, Any]:
        return {"title": self.cleaned_data["title"],
                "is_enabled": self.cleaned_data["is_enabled"]}

    @classmethod
    def initial_of(cls, group: RuleGroup | None) -> dict[str, Any]:
        return {"title": group.title, "is_enabled": group.is_enabled} if group else {}


class JsonListWidget(forms.HiddenInput):
    """A hidden input holding a JSON list; the script draws the editor next to it."""

    def format_value(self, value: Any) -> str:
        # Posted text comes back as typed (even broken) so a rejected form keeps it.
        if isinstance(value, str):
            return value
        return json.dumps(value if value is not None else [], ensure_ascii=False)


class JsonListField(forms.Field):
    """A JSON list (triggers, actions); its items are checked by the service."""

    widget = JsonListWidget

    def to_python(self, value: Any) -> list[Any]:
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return value
        try:
            parsed = json.loads(str(value))
        except ValueError:
            raise ValidationError("The editor sent text that is not JSON.",
                                  code="invalid_json") from None
        if not isinstance(parsed, list):
            raise ValidationError("The editor must send a JSON list.", code="not_list")
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial)
        except ValidationError:
            return True


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    group = forms.ModelChoiceField(queryset=RuleGroup.objects.none(), empty_label=None)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    kind = forms.ChoiceField(choices=[(RuleKind.EVENT, "Event"), (RuleKind.TIME, "Time")],
                             initial=RuleKind.EVENT, widget=forms.RadioSelect, label="Type")
    triggers = JsonListField(required=False, label="Triggers")
    hours = forms.TypedMultipleChoiceField(coerce=int, choices=HOUR_CHOICES, required=False,
                                           widget=forms.CheckboxSelectMultiple, label="Hours")
    weekdays = forms.TypedMultipleChoiceField(
        coerce=int, choices=WEEKDAY_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple, label="Weekdays",
        help_text="None ticked: every day.")
    conditions = ConditionField(registry=RULE_FIELDS, required=False, label="Conditions")
    actions = JsonListField(required=False, label="Actions")
    stop_processing = forms.BooleanField(
        required=False, label="Stop processing further rules",
        help_text="When this rule applies, the rules after it are skipped for this event.")

    def __init__(self, *args: Any, data_: RulePageData, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = groups
        conditions = cast(ConditionField, self.fields["conditions"])
        conditions.choices = data_.condition_choices()
        # The builder lists the campaign's window counts by name; validation stays with
        # RULE_FIELDS (the same whitelist, whose "unknown field" message is shorter).
        cast(ConditionBuilderWidget, conditions.widget).registry = data_.registry()

    @classmethod
    def initial_of(cls, rule: Rule | None, group: RuleGroup | None) -> dict[str, Any]:
        if rule is None:
            return {"group": group, "triggers": [{"event": "feedback_submitted"}],
                    "actions": [], "conditions": {}}
        return {"name": rule.name, "group": rule.group, "is_active": rule.is_active,
                "kind": rule.kind, "triggers": rule.triggers, "hours": rule.hours,
                "weekdays": rule.weekdays, "conditions": rule.conditions,
                "actions": rule.actions, "stop_processing": rule.stop_processing}

    def service_fields(self) -> dict[str, Any]:
        """The service's fields; the other type's part is cleared (kept on the page only)."""
        data = self.cleaned_data
        is_event = data["kind"] == RuleKind.EVENT
        return {"name": data["name"], "is_active": data["is_active"], "kind": data["kind"],
                "triggers": data["triggers"] if is_event else [],
                "hours": [] if is_event else sorted(data["hours"]),
                "weekdays": [] if is_event else sorted(data["weekdays"]),
                "conditions": data["conditions"] or {}, "actions": data["actions"],
                "stop_processing": data["stop_processing"]}


# Service error keys → this form's fields (weekday problems are reported under hours).
SERVICE_ALIASES = {"group_id": "group"}

"""The condition builder: a form field for the shared condition language.

Status forms (required-field conditions), filter groups and rules all edit a condition
tree (``{"all": [...]}``, ``{"any": [...]}``, ``{"not": node}``, leaves
``{"field", "op", "value"}``, ``{}`` for "no condition"). They use one field::

    from leadflow.ui.conditions import ConditionField

    class FilterGroupForm(forms.Form):
        condition = ConditionField(registry=LEAD_FIELDS)

        def __init__(self, *args, statuses, **kwargs):
            super().__init__(*args, **kwargs)
            # Optional: offer names instead of raw ids for ``id`` fields.
            self.fields["condition"].choices = {"status": [(s.id, s.name) for s in statuses]}

``cleaned_data["condition"]`` is the tree as a dict (``{}`` when empty). The widget
posts the tree as JSON in one hidden input; ``ui/conditions.js`` draws the builder
from the field list and operator table this module embeds in the page.

The field and operator tables come from ``leadflow.core.conditions`` (the language's
own whitelist and operator table), so the builder can never offer an operator the
validator would refuse. That package is imported lazily and tolerantly: while it is
missing the field still parses JSON, it just cannot check the tree or list fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from leadflow.core.conditions import FieldRegistry, FieldSpec

# How each operator reads in the builder's select. The meaning (a longer sentence)
# comes from the language's operator table and is shown as the option's tooltip.
OPERATOR_LABELS: dict[str, str] = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "between": "between",
    "in": "is one of",
    "not_in": "is none of",
    "empty": "is empty",
    "not_empty": "is not empty",
    "contains": "contains",
    "starts_with": "starts with",
    "within_last_days": "in the last … days",
    "older_than_days": "more than … days ago",
}

# A choice list for an ``id`` field: [(id, label), ...].
Choices = Sequence[tuple[Any, str]]


@dataclass(frozen=True)
class _Language:
    """What the widget and the field need from ``leadflow.core.conditions``."""

    validate: Any  # validate(tree, registry) -> None, raises error_class
    error_class: type[Exception]
    operators: Mapping[str, Any]  # name -> Operator(name, shape, types, meaning)
    operators_for: Any  # operators_for(field_type) -> list[str]
    elapsed_ops: frozenset[str]
    elapsed_source: type
    any_type: Any  # FieldType.ANY: an undeclared custom field


def _language() -> _Language | None:
    """The condition language's public pieces, or None while the package is absent.

    Imported on each use rather than at module import so that this module (and every
    form using it) keeps importing while the language package is being built, and
    picks it up as soon as it exists. Only a missing package is tolerated: a package
    that exists but fails to import raises, so a broken validator is never skipped.
    """
    try:
        from leadflow.core.conditions import (
            OPERATORS,
            ConditionError,
            ElapsedSince,
            FieldType,
            operators_for,
            validate,
        )
        from leadflow.core.conditions.operators import ELAPSED_OPS
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("leadflow.core.conditions"):
            return None
        raise
    return _Language(validate=validate, error_class=ConditionError, operators=OPERATORS,
                     operators_for=operators_for, elapsed_ops=ELAPSED_OPS,
                     elapsed_source=ElapsedSince, any_type=FieldType.ANY)


def _plain(value: Any) -> Any:
    """An enum member as its value (FieldType.STRING -> "string"), anything else as is."""
    return value.value if isinstance(value, Enum) else value


def _field_names(registry: Any, tree: Any) -> list[str]:
    """The registry's declared names, then names the tree uses that the registry knows.

    The second part matters for ``custom.<key>`` fields a registry accepts without
    declaring them: a saved tree using one must still show it with its type.
    """
    names: list[str] = list(registry.names()) if hasattr(registry, "names") else [
        spec.name for spec in registry]
    seen = set(names)
    for name in _tree_field_names(tree):
        if name not in seen and registry.get(name) is not None:
            names.append(name)
            seen.add(name)
    return names


def _tree_field_names(node: Any) -> Iterable[str]:
    if not isinstance(node, Mapping):
        return
    if isinstance(node.get("field"), str):
        yield node["field"]
    for key in ("all", "any"):
        if isinstance(node.get(key), list):
            for child in node[key]:
                yield from _tree_field_names(child)
    yield from _tree_field_names(node.get("not"))


def _field_operators(language: _Language, spec: FieldSpec) -> list[str]:
    # The same rule validate applies: elapsed-time fields (age_days) only take the
    # operators that can be rewritten onto their source datetime.
    allowed: list[str] = list(language.operators_for(spec.type))
    if isinstance(spec.source, language.elapsed_source):
        allowed = [op for op in allowed if op in language.elapsed_ops]
    return allowed


def _label(spec: FieldSpec) -> str:
    text = spec.label or spec.name.replace("_", " ")
    text = text[:1].upper() + text[1:]
    # A closed <select> does not show its optgroup, so custom fields say so themselves.
    return f"{text} (custom)" if spec.name.startswith("custom.") else text


def builder_schema(registry: FieldRegistry | None, *, tree: Any = None,
                   choices: Mapping[str, Choices] | None = None) -> dict[str, Any]:
    """Everything conditions.js needs to draw the builder, as JSON-ready data.

    ``fields``: [{name, label, type, ops, choices?}] in registry order, ``ops`` being
    the operators valid for that field; ``operators``: {name: {label, shape, meaning}}
    where shape is none / one / list / range / days; ``customAny``: whether the
    registry accepts undeclared ``custom.<key>`` fields, ``anyOps`` the operators
    such a field takes (the leaf's value then decides its type).
    """
    language = _language()
    if language is None or registry is None:
        return {"fields": [], "operators": {}, "customAny": False, "anyOps": []}
    choices = choices or {}
    fields: list[dict[str, Any]] = []
    for name in _field_names(registry, tree):
        spec = registry.get(name)
        if spec is None:
            continue
        entry: dict[str, Any] = {"name": spec.name, "label": _label(spec),
                                 "type": _plain(spec.type),
                                 "ops": _field_operators(language, spec)}
        if spec.name in choices:
            entry["choices"] = [[_plain(value), str(label)] for value, label in
                                choices[spec.name]]
        fields.append(entry)
    operators = {
        name: {"label": OPERATOR_LABELS.get(name, name.replace("_", " ")),
               "shape": _plain(op.shape), "meaning": op.meaning}
        for name, op in language.operators.items()
    }
    custom = getattr(registry, "custom", None)
    return {"fields": fields, "operators": operators,
            "customAny": bool(custom is not None and custom.allow_any),
            "anyOps": list(language.operators_for(language.any_type))}


def _loads(value: Any) -> Any:
    """The tree a widget or field value stands for; ValueError for text that is no JSON."""
    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        return json.loads(text) if text else {}
    return value


class ConditionBuilderWidget(forms.Widget):
    """A hidden input holding the tree as JSON, plus the builder conditions.js draws.

    The page works without JavaScript only in the sense that the hidden value posts
    back unchanged; editing needs the script (included by ``ui/base.html``).
    """

    template_name = "ui/widgets/condition_builder.html"
    # The builder is one control; the form field's <label> names it (the script links
    # the two with aria-labelledby), so no <fieldset>/<legend> of its own.
    use_fieldset = False

    def __init__(self, attrs: dict[str, Any] | None = None, *,
                 registry: FieldRegistry | None = None,
                 choices: Mapping[str, Choices] | None = None) -> None:
        super().__init__(attrs)
        self.registry = registry
        self.choices: Mapping[str, Choices] = choices or {}
        # Path ("all[1].any[0]", "" for the root) of the node the last validation
        # refused, so the builder can mark it; set by ConditionField.validate.
        self.error_path: str | None = None

    def format_value(self, value: Any) -> str:
        # Text is what the user posted (possibly invalid): show it back untouched so
        # a rejected form does not lose the edit. Trees from the database are dumped.
        if value is None or value == "":
            return "{}"
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        try:
            tree = _loads(value)
        except ValueError:
            tree = {}
        context["widget"]["schema"] = builder_schema(self.registry, tree=tree,
                                                     choices=self.choices)
        context["widget"]["error_path"] = self.error_path
        return context

    def use_required_attribute(self, initial: Any) -> bool:
        # ``required`` on a hidden input is ignored by browsers; the field checks it.
        return False


class ConditionField(forms.Field):
    """A condition tree edited with the builder; cleans to a dict (``{}`` = none).

    ``registry`` is the language's field whitelist (``LEAD_FIELDS``,
    ``FEEDBACK_FIELDS``, …): it decides which fields the builder offers and what
    ``validate`` accepts. ``choices`` maps ``id`` fields to ``[(id, label), ...]``
    so the builder shows names instead of raw ids. Both may be replaced after the
    form is built (per tenant or campaign); the widget follows.
    """

    widget = ConditionBuilderWidget
    default_error_messages = {
        "invalid_json": "Condition is not valid JSON",
        "not_object": "A condition must be a JSON object",
    }

    def __init__(self, *, registry: FieldRegistry | None = None, required: bool = False,
                 choices: Mapping[str, Choices] | None = None, **kwargs: Any) -> None:
        super().__init__(required=required, **kwargs)
        self.registry = registry
        self.choices = choices or {}

    @property
    def registry(self) -> FieldRegistry | None:
        return self._registry

    @registry.setter
    def registry(self, registry: FieldRegistry | None) -> None:
        self._registry = registry
        if isinstance(self.widget, ConditionBuilderWidget):
            self.widget.registry = registry

    @property
    def choices(self) -> Mapping[str, Choices]:
        return self._choices

    @choices.setter
    def choices(self, choices: Mapping[str, Choices]) -> None:
        self._choices = choices
        if isinstance(self.widget, ConditionBuilderWidget):
            self.widget.choices = choices

    def to_python(self, value: Any) -> dict[str, Any]:
        try:
            tree = _loads(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid_json"],
                                  code="invalid_json") from None
        if not isinstance(tree, dict):
            raise ValidationError(self.error_messages["not_object"], code="not_object")
        return tree

    def validate(self, value: Any) -> None:
        super().validate(value)  # "required": {} is one of Django's empty values
        if isinstance(self.widget, ConditionBuilderWidget):
            self.widget.error_path = None
        language = _language()
        if not value or language is None or self.registry is None:
            return
        try:
            language.validate(value, self.registry)
        except language.error_class as exc:
            if isinstance(self.widget, ConditionBuilderWidget):
                self.widget.error_path = getattr(exc, "path", None)
            # str(ConditionError) is "<path>: <problem>", e.g. "all[1].any[0]: unknown
            # field 'x' …", so the message names the node on its own.
            raise ValidationError(str(exc), code="invalid_condition") from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Compare trees, not text: key order and spacing of the JSON do not matter.
        if self.disabled:
            return False
        try:
            return self.to_python(data) != self.to_python(initial)
        except ValidationError:
            return True

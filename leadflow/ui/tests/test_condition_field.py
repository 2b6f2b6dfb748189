"""ConditionField: what a form gets back from the builder's hidden JSON, and what it refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django import forms

from leadflow.ui.conditions import ConditionBuilderWidget, ConditionField, builder_schema


class PlainForm(forms.Form):
    """No registry: the field only parses JSON (the tree is checked by whoever has one)."""

    condition = ConditionField()


def clean(form_class: type[forms.Form], raw: str | None) -> forms.Form:
    form = form_class(data={} if raw is None else {"condition": raw})
    form.is_valid()
    return form


# --- parsing, with or without the language package --------------------------------

@pytest.mark.parametrize("raw", [
    '{"all": [{"field": "weight", "op": "gt", "value": 5}]}',
    '  {"not": {"field": "first_name", "op": "empty"}}\n',
    '{"field": "country", "op": "in", "value": ["US", "CA"]}',
])
def test_valid_json_cleans_to_the_tree(raw: str) -> None:
    form = clean(PlainForm, raw)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["condition"] == json.loads(raw)


@pytest.mark.parametrize("raw", ['{"all": [', "all: []", "{'all': []}", "None"])
def test_invalid_json_is_refused_with_one_plain_message(raw: str) -> None:
    form = clean(PlainForm, raw)
    assert form.errors["condition"] == ["Condition is not valid JSON"]


@pytest.mark.parametrize("raw", ["[1, 2]", '"all"', "5", "null"])
def test_json_that_is_not_an_object_is_refused(raw: str) -> None:
    form = clean(PlainForm, raw)
    assert form.errors["condition"] == ["A condition must be a JSON object"]


@pytest.mark.parametrize("raw", [None, "", "   ", "{}"])
def test_empty_means_no_condition(raw: str | None) -> None:
    form = clean(PlainForm, raw)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["condition"] == {}


def test_a_required_condition_must_not_be_empty() -> None:
    class RequiredForm(forms.Form):
        condition = ConditionField(required=True)

    assert clean(RequiredForm, "{}").errors["condition"] == ["This field is required."]
    assert clean(RequiredForm, '{"field": "weight", "op": "empty"}').is_valid()


def test_the_widget_shows_posted_text_back_unchanged_and_dumps_saved_trees() -> None:
    # A refused post keeps exactly what the user sent, so nothing is lost on re-render.
    form = clean(PlainForm, '{"all": [')
    assert 'value="{&quot;all&quot;: ["' in str(form["condition"])
    saved = PlainForm(initial={"condition": {"any": [{"field": "weight", "op": "gt", "value": 5}]}})
    html = str(saved["condition"])
    value = re.search(r'<input type="hidden" name="condition" value="([^"]*)"', html)
    assert value is not None
    assert json.loads(value.group(1).replace("&quot;", '"')) == {
        "any": [{"field": "weight", "op": "gt", "value": 5}]}
    assert "data-condition-builder" in html and 'type="application/json"' in html
    assert 'required' not in html  # the field checks "required", not the hidden input


def test_has_changed_compares_trees_not_text() -> None:
    field = ConditionField()
    initial = {"field": "weight", "op": "gt", "value": 5}
    assert not field.has_changed(initial, '{"value": 5, "op": "gt",  "field": "weight"}')
    assert field.has_changed(initial, '{"field": "weight", "op": "gt", "value": 6}')
    assert field.has_changed(initial, "{not json")
    assert not field.has_changed(None, "")


# --- with the condition language ---------------------------------------------------

conditions = pytest.importorskip("leadflow.core.conditions")


class LeadConditionForm(forms.Form):
    condition = ConditionField(registry=conditions.LEAD_FIELDS)


def test_a_valid_tree_passes_the_language_validator() -> None:
    tree = {"all": [{"field": "weight", "op": "gt", "value": 5},
                    {"any": [{"field": "country", "op": "in", "value": ["US", "CA"]},
                             {"not": {"field": "first_name", "op": "empty"}}]}]}
    form = clean(LeadConditionForm, json.dumps(tree))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["condition"] == tree


@pytest.mark.parametrize(("tree", "path", "words"), [
    ({"all": [{"field": "weight", "op": "gt", "value": 5},
              {"any": [{"field": "country", "op": "eq", "value": "US"},
                       {"field": "shoe_size", "op": "eq", "value": 42}]}]},
     "all[1].any[1]", ["unknown field", "shoe_size"]),
    ({"all": [{"not": {"field": "first_name", "op": "gt", "value": "A"}}]},
     "all[0].not", ["'gt'", "first_name"]),
    ({"field": "weight", "op": "gt", "value": "five"}, "root", ["weight", "integer"]),
])
def test_a_bad_node_is_named_in_the_form_error(tree: dict[str, Any], path: str,
                                               words: list[str]) -> None:
    form = clean(LeadConditionForm, json.dumps(tree))
    assert not form.is_valid()
    [message] = [str(m) for m in form.errors["condition"]]
    assert message.startswith(f"{path}: "), message
    for word in words:
        assert word in message
    # The widget is told which node it was, so the builder can mark it.
    marker = "" if path == "root" else path
    assert f'data-error-path="{marker}"' in str(form["condition"])


def test_a_fixed_post_clears_the_error_mark() -> None:
    form = clean(LeadConditionForm, '{"field": "nope", "op": "empty"}')
    assert "data-error-path" in str(form["condition"])
    form = clean(LeadConditionForm, '{"field": "weight", "op": "empty"}')
    assert form.is_valid() and "data-error-path" not in str(form["condition"])


def test_the_schema_offers_exactly_the_operators_the_language_allows() -> None:
    registry = conditions.LEAD_FIELDS
    schema = builder_schema(registry)
    by_name = {field["name"]: field for field in schema["fields"]}
    assert list(by_name) == registry.names()
    for spec in registry:
        ops = by_name[spec.name]["ops"]
        assert by_name[spec.name]["type"] == str(spec.type)
        assert set(ops) <= set(conditions.operators_for(spec.type))
        for op in ops:  # every offered operator passes validation for that field
            shape = conditions.OPERATORS[op].shape.value
            values: dict[str, Any] = {"none": None, "days": 1, "list": [], "range": None,
                                      "one": None}
            value = values[shape]
            leaf: dict[str, Any] = {"field": spec.name, "op": op}
            if shape != "none":
                leaf["value"] = value
            try:
                conditions.validate(leaf, registry)
            except conditions.ConditionError as exc:
                assert "not allowed" not in str(exc), exc  # a value problem at most
    assert "gt" not in by_name["first_name"]["ops"]
    assert "within_last_days" in by_name["last_call_at"]["ops"]
    assert set(schema["operators"]) == set(conditions.OPERATORS)
    assert schema["operators"]["between"]["shape"] == "range"
    assert schema["customAny"] is True and "eq" in schema["anyOps"]


def test_custom_fields_of_a_saved_tree_are_offered_with_their_type() -> None:
    schema = builder_schema(conditions.LEAD_FIELDS,
                            tree={"all": [{"field": "custom.plan", "op": "eq", "value": "x"}]})
    custom = [f for f in schema["fields"] if f["name"] == "custom.plan"]
    assert custom and custom[0]["type"] == "any"


def test_choices_and_registry_can_be_set_after_the_form_is_built() -> None:
    form = LeadConditionForm()
    field = form.fields["condition"]
    assert isinstance(field, ConditionField)
    field.choices = {"status": [(7, "Callback"), (9, "Sale")]}
    assert isinstance(field.widget, ConditionBuilderWidget)
    assert field.widget.choices == {"status": [(7, "Callback"), (9, "Sale")]}
    html = str(form["condition"])
    assert '"choices": [[7, "Callback"], [9, "Sale"]]' in html
    # Another form instance is unaffected (fields are deep-copied per form).
    assert LeadConditionForm().fields["condition"].widget.choices == {}  # type: ignore[attr-defined]
    field.registry = conditions.FEEDBACK_FIELDS
    assert field.widget.registry is conditions.FEEDBACK_FIELDS
    assert clean(LeadConditionForm, '{"field": "comment", "op": "empty"}').errors

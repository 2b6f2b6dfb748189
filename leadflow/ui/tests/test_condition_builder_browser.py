"""The condition builder in a real Chromium: built with the mouse and the keyboard, posted,
loaded back, and checked against what the server received.

The product has no page of its own for the widget, so this module is its own URLconf:
one test-only view renders a form with a ``ConditionField`` inside the real base layout
(``ui/base.html``, which is what loads ``ui/conditions.js``), and shows what was posted.
Browser fixtures (``page``, ``log_in``, ``admin_user``) come from ``conftest.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path
from playwright.sync_api import Locator, Page, expect

from leadflow.core.conditions import LEAD_FIELDS
from leadflow.ui.conditions import ConditionField

# Playwright's sync API runs an event loop on the test thread; the ORM calls the
# fixtures make there are plain synchronous code (conftest.py says the same).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__),
              pytest.mark.usefixtures("transactional_db")]

STATUS_CHOICES = [(1, "New"), (2, "Callback"), (3, "Sale")]
PAGE_URL = "/test-only/condition-builder/"


# --- the test-only page --------------------------------------------------------------------

class ConditionForm(forms.Form):
    condition = ConditionField(registry=LEAD_FIELDS, choices={"status": STATUS_CHOICES})


TEMPLATE = engines["django"].from_string("""{% extends "ui/base.html" %}
{% block content %}
<form method="post" class="form-grid">{% csrf_token %}
  <fieldset class="section"><legend>Lead filter</legend>
    <div class="fields">{% include "ui/_field.html" with field=form.condition %}</div>
  </fieldset>
  <div class="form-actions"><button type="submit" class="btn btn-primary">Save</button></div>
</form>
{% if posted is not None %}<pre data-testid="posted">{{ posted }}</pre>{% endif %}
{% if cleaned is not None %}<pre data-testid="cleaned">{{ cleaned }}</pre>{% endif %}
{% endblock %}""")


def condition_page(request: HttpRequest) -> HttpResponse:
    posted = cleaned = None
    if request.method == "POST":
        form = ConditionForm(request.POST)
        posted = request.POST.get("condition")
        if form.is_valid():
            cleaned = json.dumps(form.cleaned_data["condition"])
    else:
        form = ConditionForm(initial={"condition": json.loads(request.GET.get("tree", "{}"))})
    return HttpResponse(TEMPLATE.render(
        {"form": form, "posted": posted, "cleaned": cleaned}, request))


urlpatterns = [
    path(PAGE_URL.strip("/") + "/", condition_page),
    path("", include("config.urls")),  # base.html links to the product's pages
]


# --- helpers -------------------------------------------------------------------------------

@pytest.fixture
def open_builder(log_in: Callable[[str], Page], admin_user: str) -> Callable[..., Page]:
    """Open the test page as a logged-in admin, optionally with a saved tree loaded."""

    def _open(tree: dict[str, Any] | None = None) -> Page:
        page = log_in(admin_user)
        query = "" if tree is None else "?tree=" + quote(json.dumps(tree))
        page.goto(PAGE_URL + query)
        expect(page.locator(".cb-root")).to_be_visible()
        return page

    return _open


def hidden_tree(page: Page) -> Any:
    return json.loads(page.locator("input[name=condition]").input_value())


def root(page: Page) -> Locator:
    return page.locator(".cb-root")


def lines(group: Locator) -> Locator:
    """The group's own condition lines (not those of nested groups)."""
    return group.locator(":scope > .cb-children > .cb-item > .cb-line")


def subgroups(group: Locator) -> Locator:
    return group.locator(":scope > .cb-children > .cb-item > .cb-group")


def group_button(group: Locator, name: str) -> Locator:
    """A button of the group itself: its head (NOT, AND, OR, remove) or its add buttons."""
    return group.locator(":scope > .cb-group-head, :scope > .cb-group-actions").get_by_role(
        "button", name=name, exact=True)


def set_line(line: Locator, field: str, op: str) -> None:
    line.get_by_label("Field", exact=True).select_option(field)
    line.get_by_label("Operator", exact=True).select_option(op)


def focused(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {tag: el.tagName.toLowerCase(), type: el.getAttribute("type"),
                name: el.getAttribute("aria-label") || el.textContent.trim(),
                inBuilder: !!el.closest("[data-condition-builder]"),
                outline: style.outlineStyle + " " + style.outlineWidth};
    }"""))


# --- building ------------------------------------------------------------------------------

EXAMPLE = {"all": [
    {"field": "weight", "op": "gt", "value": 5},
    {"any": [
        {"field": "country", "op": "in", "value": ["US", "CA"]},
        {"not": {"field": "first_name", "op": "empty"}},
    ]},
]}


def test_a_nested_condition_is_built_with_the_ui_and_posted_as_the_tree(open_builder):
    """(weight > 5 AND (country in [US, CA] OR NOT first_name empty)), clicks and typing only."""
    page = open_builder()
    top = root(page)
    expect(top.locator(".cb-empty")).to_have_text("No conditions.")
    assert hidden_tree(page) == {}

    group_button(top, "Add condition").click()
    weight = lines(top).nth(0)
    set_line(weight, "weight", "gt")
    expect(weight.get_by_label("Value", exact=True)).to_have_attribute("type", "number")
    weight.get_by_label("Value", exact=True).fill("5")

    group_button(top, "Add group").click()
    inner = subgroups(top).nth(0)
    group_button(inner, "OR: any may hold").click()
    expect(group_button(inner, "OR: any may hold")).to_have_attribute("aria-pressed", "true")
    country = lines(inner).nth(0)
    set_line(country, "country", "in")
    country.get_by_label("Values, separated by commas").fill("US, CA")

    group_button(inner, "Add condition").click()
    first_name = lines(inner).nth(1)
    set_line(first_name, "first_name", "empty")
    expect(first_name.locator("input")).to_have_count(0)  # "is empty" takes no value
    not_button = first_name.get_by_role("button", name="NOT: negate this condition")
    not_button.click()
    expect(not_button).to_have_attribute("aria-pressed", "true")

    # The two groups read as AND / OR between their items.
    expect(group_button(top, "AND: all must hold")).to_have_attribute("aria-pressed", "true")
    assert hidden_tree(page) == EXAMPLE

    page.get_by_role("button", name="Save").click()
    assert json.loads(page.get_by_test_id("posted").inner_text()) == EXAMPLE
    assert json.loads(page.get_by_test_id("cleaned").inner_text()) == EXAMPLE
    # The re-rendered (bound) form draws the posted tree again.
    expect(lines(subgroups(root(page)).nth(0))).to_have_count(2)
    assert hidden_tree(page) == EXAMPLE


def test_value_inputs_follow_the_field_type_and_the_operator(open_builder):
    page = open_builder()
    group_button(root(page), "Add condition").click()
    line = lines(root(page)).nth(0)

    def value_inputs() -> list[tuple[str, str | None]]:
        boxes = line.locator(".cb-values input, .cb-values select")
        return [(b.get_attribute("aria-label") or "", b.evaluate(
            "el => el.tagName === 'SELECT' ? 'select' : el.type")) for b in boxes.all()]

    set_line(line, "first_name", "eq")
    assert value_inputs() == [("Value", "text")]
    set_line(line, "weight", "between")
    assert value_inputs() == [("From", "number"), ("To", "number")]
    set_line(line, "weight", "in")
    assert value_inputs() == [("Values, separated by commas", "text")]
    line.get_by_label("Values, separated by commas").fill("1, 2,, 3 ")
    assert hidden_tree(page)["value"] == [1, 2, 3]  # numbers for an integer field
    set_line(line, "weight", "not_empty")
    assert value_inputs() == []
    assert "value" not in hidden_tree(page)
    set_line(line, "callback_at", "lt")
    assert value_inputs() == [("Value", "datetime-local")]
    line.get_by_label("Value", exact=True).fill("2030-01-31T09:30")
    assert hidden_tree(page)["value"] == "2030-01-31T09:30"
    set_line(line, "last_call_at", "within_last_days")
    assert value_inputs() == [("Number of days", "number")]
    set_line(line, "is_blacklisted", "eq")
    assert value_inputs() == [("Value", "select")]
    assert hidden_tree(page) == {"field": "is_blacklisted", "op": "eq", "value": True}
    set_line(line, "status", "in")
    checks = line.get_by_role("group", name="Values").get_by_role("checkbox")
    expect(checks).to_have_count(3)
    # "status = New" (the first choice, set by the field change) carried over to the list.
    expect(line.get_by_label("New")).to_be_checked()
    line.get_by_label("New").uncheck()
    line.get_by_label("Callback").check()
    line.get_by_label("Sale").check()
    assert hidden_tree(page)["value"] == [2, 3]
    # Only the operators the language allows for the field are offered.
    set_line(line, "first_name", "eq")
    offered = line.get_by_label("Operator", exact=True).locator("option").evaluate_all(
        "options => options.map(o => o.value)")
    assert "gt" not in offered and "starts_with" in offered


def test_an_undeclared_custom_field_is_typed_in(open_builder):
    # LEAD_FIELDS accepts any custom.<key>; the value decides how it compares.
    page = open_builder()
    group_button(root(page), "Add condition").click()
    line = lines(root(page)).nth(0)
    line.get_by_label("Field", exact=True).select_option(label="Custom field\u2026")
    key = line.get_by_label("Custom field key")
    expect(key).to_be_focused()
    key.fill("plan")
    line.get_by_label("Value", exact=True).fill("gold")
    assert hidden_tree(page) == {"field": "custom.plan", "op": "eq", "value": "gold"}
    line.get_by_label("Operator", exact=True).select_option("gt")  # orderings compare numbers
    line.get_by_label("Value", exact=True).fill("10")
    assert hidden_tree(page) == {"field": "custom.plan", "op": "gt", "value": 10}
    page.get_by_role("button", name="Save").click()
    assert json.loads(page.get_by_test_id("cleaned").inner_text()) == {
        "field": "custom.plan", "op": "gt", "value": 10}


# --- loading -------------------------------------------------------------------------------

EVERY_KIND = {"all": [
    {"field": "weight", "op": "between", "value": [5, 10]},
    {"not": {"any": [
        {"field": "country", "op": "in", "value": ["US", "CA"]},
        {"field": "first_name", "op": "starts_with", "value": "Jo"},
    ]}},
    {"field": "last_call_at", "op": "within_last_days", "value": 7},
    {"field": "callback_at", "op": "lt", "value": "2030-01-31T09:30"},
    {"field": "frozen_until", "op": "gt", "value": "2030-01-31T09:30:00+00:00"},
    {"field": "is_blacklisted", "op": "eq", "value": False},
    {"field": "status", "op": "in", "value": [1, 2]},
    {"field": "assigned_agent", "op": "empty"},
    {"field": "custom.plan", "op": "eq", "value": "gold"},
    {"not": {"not": {"field": "age_days", "op": "gt", "value": 3.5}}},
    {"not": {"field": "first_name", "op": "empty"}},
]}


@pytest.mark.parametrize("tree", [
    {},
    {"field": "weight", "op": "gt", "value": 5},
    {"not": {"field": "first_name", "op": "empty"}},
    {"not": {"all": [{"field": "weight", "op": "gt", "value": 5}]}},
    {"any": []},
    EXAMPLE,
    EVERY_KIND,
], ids=["empty", "bare-leaf", "negated-leaf", "negated-group", "empty-any", "example",
        "every-kind"])
def test_a_saved_tree_loads_and_saves_back_unchanged(open_builder, tree):
    page = open_builder(tree)
    assert hidden_tree(page) == tree
    # Make the builder serialise its model (NOT on, NOT off): the same tree comes out.
    not_button = group_button(root(page), "NOT: negate this group")
    was = not_button.get_attribute("aria-pressed")
    not_button.click()
    expect(not_button).to_have_attribute("aria-pressed", "false" if was == "true" else "true")
    not_button.click()
    expect(not_button).to_have_attribute("aria-pressed", str(was))
    assert hidden_tree(page) == tree
    page.get_by_role("button", name="Save").click()
    assert json.loads(page.get_by_test_id("cleaned").inner_text()) == tree


def test_a_loaded_tree_is_shown_as_written(open_builder):
    page = open_builder(EVERY_KIND)
    top = root(page)
    shown = lines(top)
    expect(shown).to_have_count(9)  # 11 children: a group, and a double NOT drawn as a group

    weight = shown.nth(0)
    expect(weight.get_by_label("Field", exact=True)).to_have_value("weight")
    expect(weight.get_by_label("Operator", exact=True)).to_have_value("between")
    expect(weight.get_by_label("From", exact=True)).to_have_value("5")
    expect(weight.get_by_label("To", exact=True)).to_have_value("10")

    negated = subgroups(top).nth(0)
    for name in ("NOT: negate this group", "OR: any may hold"):
        expect(group_button(negated, name)).to_have_attribute("aria-pressed", "true")
    expect(lines(negated).nth(0).get_by_label("Values, separated by commas")).to_have_value(
        "US, CA")
    expect(lines(negated).nth(1).get_by_label("Value", exact=True)).to_have_value("Jo")

    expect(shown.nth(1).get_by_label("Number of days")).to_have_value("7")
    local = shown.nth(2).get_by_label("Value", exact=True)
    expect(local).to_have_attribute("type", "datetime-local")
    expect(local).to_have_value("2030-01-31T09:30")
    # An offset the native date-time box cannot show is shown as text, not hidden.
    offset = shown.nth(3).get_by_label("Value", exact=True)
    expect(offset).to_have_attribute("type", "text")
    expect(offset).to_have_value("2030-01-31T09:30:00+00:00")
    expect(shown.nth(4).get_by_label("Value", exact=True).locator("option:checked")).to_have_text(
        "false")
    expect(shown.nth(5).get_by_label("New")).to_be_checked()
    expect(shown.nth(5).get_by_label("Callback")).to_be_checked()
    expect(shown.nth(5).get_by_label("Sale")).not_to_be_checked()
    expect(shown.nth(6).get_by_label("Operator", exact=True)).to_have_value("empty")
    expect(shown.nth(7).get_by_label("Field", exact=True)).to_have_value("custom.plan")
    last = shown.nth(8)
    expect(last.get_by_role("button", name="NOT: negate this condition")).to_have_attribute(
        "aria-pressed", "true")
    expect(last.get_by_label("Field", exact=True)).to_have_value("first_name")


# --- keyboard ------------------------------------------------------------------------------

def test_the_builder_is_used_with_the_keyboard_alone(open_builder):
    page = open_builder()
    page.locator("body").focus()
    visited: list[dict[str, Any]] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        visited.append(focused(page))
        if visited[-1]["name"] == "Add group":
            break
    names = [v["name"] for v in visited if v["inBuilder"]]
    # The root group's controls, in reading order, then its add buttons.
    assert names == ["NOT: negate this group", "AND: all must hold", "OR: any may hold",
                     "Add condition", "Add group"], visited
    for stop in visited:
        if stop["inBuilder"]:
            assert (stop["tag"], stop["type"]) == ("button", "button")
            assert stop["outline"] == "solid 2px", stop  # focus is visible
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "Add condition"
    # The form field's label names the builder and, clicked, moves focus into it.
    builder = page.locator("[data-condition-builder]")
    expect(builder).to_have_accessible_name("Condition")
    page.locator("label", has_text="Condition").click()
    assert focused(page)["name"] == "NOT: negate this group"
    group_button(root(page), "Add condition").focus()

    page.keyboard.press("Enter")  # adds a line and moves focus to its field
    assert focused(page)["name"] == "Field"
    page.keyboard.type("w")  # type-ahead in the closed select: "Weight"
    assert focused(page)["name"] == "Field"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Operator"
    for _ in range(4):  # =, ≠, <, ≤, >
        page.keyboard.press("ArrowDown")
    expect(lines(root(page)).nth(0).get_by_label("Operator", exact=True)).to_have_value("gt")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Value"
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # must not submit the form
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("posted")).to_have_count(0)
    assert hidden_tree(page) == {"field": "weight", "op": "gt", "value": 5}

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "NOT: negate this condition"
    page.keyboard.press("Space")
    assert hidden_tree(page) == {"not": {"field": "weight", "op": "gt", "value": 5}}

    page.keyboard.press("Tab")  # field
    page.keyboard.press("Tab")  # operator
    page.keyboard.press("Tab")  # value
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Remove condition"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Add group"
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "Field"  # the new group's first line
    assert len(hidden_tree(page)["all"]) == 2

    # Every control of the builder is a real, labelled control.
    controls = page.locator(
        "[data-condition-builder] :is(button, select, input:not([type=hidden]))")
    for control in controls.all():
        assert control.get_attribute("aria-label"), control.evaluate("el => el.outerHTML")
        if control.evaluate("el => el.tagName") == "BUTTON":
            assert control.get_attribute("type") == "button"


# --- errors and layout ---------------------------------------------------------------------

def test_the_node_the_server_refuses_is_named_and_marked(open_builder):
    bad = {"all": [{"field": "weight", "op": "gt", "value": 5},
                   {"field": "country", "op": "gt", "value": "US"}]}
    page = open_builder(bad)
    page.get_by_role("button", name="Save").click()
    error = page.locator('.error[data-field="condition"]')
    expect(error).to_contain_text("all[1]: operator 'gt' is not allowed for string field")
    expect(page.get_by_test_id("cleaned")).to_have_count(0)
    shown = lines(root(page))
    expect(shown.nth(1)).to_have_class("cb-line is-invalid")
    expect(shown.nth(1)).to_have_attribute("aria-invalid", "true")
    expect(shown.nth(0)).not_to_have_class("cb-line is-invalid")

    set_line(shown.nth(1), "country", "eq")  # fixing it clears the mark
    expect(page.locator(".cb .is-invalid")).to_have_count(0)
    page.get_by_role("button", name="Save").click()
    assert json.loads(page.get_by_test_id("cleaned").inner_text()) == {"all": [
        {"field": "weight", "op": "gt", "value": 5},
        {"field": "country", "op": "eq", "value": "US"}]}


def test_the_builder_is_compact_at_1366_by_768(open_builder, tmp_path):
    page = open_builder(EVERY_KIND)
    assert page.viewport_size == {"width": 1366, "height": 768}
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # Every condition line sits on one row, and every control inside the viewport width.
    for line in page.locator(".cb-line").all():
        box = line.bounding_box()
        assert box is not None and box["height"] <= 40, line.evaluate("el => el.outerHTML")
        assert box["x"] + box["width"] <= 1366
    page.screenshot(path=str(tmp_path / "condition-builder.png"), full_page=True)

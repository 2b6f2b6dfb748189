"""Routing conditions: the lead fields plus ``campaign``, with object-list references.

A filter group's condition is a tree of the shared condition language over
``ROUTING_FIELDS``; a leaf's value may be ``{"object_list": <id>}``, replaced by the
list's values (``resolve_object_lists``) before every validation and compilation, so
editing a list changes every filter that uses it.

**Campaign coverage.** A filter group *covers* campaign C unless its condition is
false for every lead of C judged by its ``campaign`` tests alone: substitute
``campaign = C`` into the ``campaign`` leaves, treat every other leaf as unknown and
evaluate with three-valued logic. A condition with no ``campaign`` test covers every
campaign of the tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from leadflow.core.conditions import (
    LEAD_FIELDS,
    ConditionError,
    FieldRegistry,
    FieldType,
    column,
    compile_q,
    validate,
)
from leadflow.ui.conditions import OPERATOR_LABELS

if TYPE_CHECKING:
    from leadflow.tenants.models import Tenant

CAMPAIGN = "campaign"

ROUTING_FIELDS = FieldRegistry(
    [*LEAD_FIELDS, column(CAMPAIGN, FieldType.ID, orm_path="campaign_id", nullable=False)]
    if CAMPAIGN not in LEAD_FIELDS else list(LEAD_FIELDS),
    custom=LEAD_FIELDS.custom,
    name="routing",
)

OBJECT_LIST_KEY = "object_list"


def _path(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def object_list_ids(tree: Any) -> set[int]:
    """The ids of the object lists a tree references."""
    return {ref for _, _, ref in _references(tree, "")}


def _references(node: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    if not isinstance(node, Mapping):
        return
    value = node.get("value")
    if "field" in node and isinstance(value, Mapping) and OBJECT_LIST_KEY in value:
        yield path, node, value[OBJECT_LIST_KEY]
    for key in ("all", "any"):
        if isinstance(node.get(key), list):
            for index, child in enumerate(node[key]):
                yield from _references(child, _path(path, f"{key}[{index}]"))
    if "not" in node:
        yield from _references(node["not"], _path(path, "not"))


def resolve_object_lists(tree: Any, tenant: Tenant) -> Any:
    """``tree`` with every ``{"object_list": id}`` value replaced by the list's values.

    A reference to a list that is not the tenant's raises ConditionError naming the
    node. One query for all the lists the tree uses.
    """
    from leadflow.routing.models import ObjectList

    refs = list(_references(tree, ""))
    if not refs:
        return tree
    ids = {ref for _, _, ref in refs if isinstance(ref, int) and not isinstance(ref, bool)}
    lists = dict(ObjectList.objects.filter(tenant=tenant, id__in=ids)
                 .values_list("id", "values"))
    for path, _, ref in refs:
        if ref not in lists or isinstance(ref, bool):
            raise ConditionError(f"unknown object list {ref!r}", path)
    return substitute_lists(tree, lists)


def substitute_lists(node: Any, lists: Mapping[int, list[Any]]) -> Any:
    if not isinstance(node, Mapping):
        return node
    out = dict(node)
    value = node.get("value")
    if "field" in node and isinstance(value, Mapping) and OBJECT_LIST_KEY in value:
        out["value"] = list(lists[value[OBJECT_LIST_KEY]])
    for key in ("all", "any"):
        if isinstance(node.get(key), list):
            out[key] = [substitute_lists(child, lists) for child in node[key]]
    if "not" in node:
        out["not"] = substitute_lists(node["not"], lists)
    return out


def condition_check(*, tree: Any, tenant: Tenant, field: str = "condition") -> None:
    """ValidationError on ``field`` naming the bad node, or None."""
    try:
        validate(resolve_object_lists(tree, tenant), ROUTING_FIELDS)
    except ConditionError as exc:
        raise ValidationError({field: str(exc)}) from None


def condition_q(*, tree: Any, tenant: Tenant, now: datetime) -> Q:
    """The Q over Lead for a (stored, valid) condition; ConditionError if it no longer is."""
    return compile_q(resolve_object_lists(tree, tenant), ROUTING_FIELDS, now)


# --- campaign coverage ------------------------------------------------------------------

_UNKNOWN = None


def _campaign_leaf(node: Mapping[str, Any], campaign_id: int) -> bool | None:
    op, value = node.get("op"), node.get("value")
    if op == "eq":
        return campaign_id == value
    if op == "ne":
        return campaign_id != value
    if op == "in" and isinstance(value, list):
        return campaign_id in value
    if op == "not_in" and isinstance(value, list):
        return campaign_id not in value
    if op == "empty":
        return False
    if op == "not_empty":
        return True
    return _UNKNOWN


def _truth(node: Any, campaign_id: int) -> bool | None:
    """Three-valued: True / False / None (depends on other fields)."""
    if not isinstance(node, Mapping) or not node:
        return True
    if "field" in node:
        return _campaign_leaf(node, campaign_id) if node["field"] == CAMPAIGN else _UNKNOWN
    if "not" in node:
        inner = _truth(node["not"], campaign_id)
        return None if inner is None else not inner
    if "all" in node:
        values = [_truth(c, campaign_id) for c in node["all"]]
        if False in values:
            return False
        return True if all(v is True for v in values) else _UNKNOWN
    if "any" in node:
        values = [_truth(c, campaign_id) for c in node["any"]]
        if True in values:
            return True
        return False if all(v is False for v in values) else _UNKNOWN
    return _UNKNOWN


def covers_campaign(tree: Any, campaign_id: int) -> bool:
    """Whether a (resolved) condition can select leads of the campaign (module docstring)."""
    return _truth(tree, campaign_id) is not False


def referenced_campaign_ids(tree: Any) -> set[int] | None:
    """The campaign ids a (resolved) condition names; None when it has no campaign test."""
    found: set[int] = set()
    seen = False
    for leaf in _leaves(tree):
        if leaf.get("field") != CAMPAIGN:
            continue
        seen = True
        value = leaf.get("value")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool):
                found.add(item)
    return found if seen else None


def _leaves(node: Any) -> Iterable[Mapping[str, Any]]:
    if not isinstance(node, Mapping):
        return
    if "field" in node:
        yield node
    for key in ("all", "any"):
        if isinstance(node.get(key), list):
            for child in node[key]:
                yield from _leaves(child)
    yield from _leaves(node.get("not"))


# --- summaries --------------------------------------------------------------------------


def summarize(tree: Any, *, names: Mapping[str, Mapping[Any, str]] | None = None,
              list_names: Mapping[int, str] | None = None) -> str:
    """A short human text of an (unresolved) condition: ``campaign = Spring and weight > 5``."""
    names = names or {}
    list_names = list_names or {}

    def value_text(field: str, value: Any) -> str:
        if isinstance(value, Mapping) and OBJECT_LIST_KEY in value:
            return f"list “{list_names.get(value[OBJECT_LIST_KEY], value[OBJECT_LIST_KEY])}”"
        labels = names.get(field, {})
        if isinstance(value, list):
            return "(" + ", ".join(str(labels.get(v, v)) for v in value) + ")"
        return str(labels.get(value, value))

    def text(node: Any, top: bool) -> str:
        if not isinstance(node, Mapping) or not node:
            return "all leads"
        if "field" in node:
            op = OPERATOR_LABELS.get(str(node.get("op")), str(node.get("op")))
            if node.get("op") in ("empty", "not_empty"):
                return f"{node['field']} {op}"
            return f"{node['field']} {op} {value_text(str(node['field']), node.get('value'))}"
        if "not" in node:
            return f"not ({text(node['not'], False)})"
        for key, joiner in (("all", " and "), ("any", " or ")):
            if key in node:
                children = node[key] or []
                if not children:
                    return "all leads" if key == "all" else "no leads"
                inner = joiner.join(text(c, False) for c in children)
                return inner if top or len(children) == 1 else f"({inner})"
        return "?"

    return text(tree, True)

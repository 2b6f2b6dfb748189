"""Can a condition ever hold? (``is_satisfiable``)

Used to spot conditions that are logical contradictions, such as a status whose
required fields say ``comment empty AND comment not_empty``: agents can never
choose such a status. The answer may be a false "yes" (a contradiction spread over
two fields, or one the search gave up on) but never a false "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from leadflow.core.conditions.candidates import Constraint, view_status
from leadflow.core.conditions.fields import FieldRegistry, FieldType, JSONKey
from leadflow.core.conditions.nodes import All, Leaf, Node, Not, absolute_value
from leadflow.core.conditions.validate import parse

# Relative leaves (older_than_days, age_days …) are placed around one fixed instant:
# whether they contradict each other does not depend on when "now" is.
_REFERENCE_NOW = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_STEPS = 20_000  # node visits before the search gives up (and answers "yes")
_MAX_BRANCH_DEPTH = 200  # nested `any` choices kept on the Python stack

# A view of a field: its name, the type it is seen as (an undeclared custom field is
# seen as several), and whether its values are relative to now.
_View = tuple[str, FieldType, bool]
_Store = Mapping[_View, tuple[Constraint, ...]]


class _GiveUp(Exception):
    pass


def is_satisfiable(tree: Any, registry: FieldRegistry) -> bool:
    """Whether some record could satisfy ``tree`` (True when unsure).

    1. Parse the tree (ConditionError when invalid).
    2. Walk it depth first, pushing ``not`` down to the leaves (De Morgan): a leaf
       under an odd number of ``not`` becomes a negated test. Conjunctions (``all``,
       a negated ``any``) queue their children; disjunctions (``any``, a negated
       ``all``) wait until every plain test of the branch is in, so a contradiction
       among them ends the branch before any choice is tried.
    3. Each test joins the tests already collected for its field; the field is
       checked at once (candidates.view_status) and a contradiction ends the branch.
    4. With no work left, the first waiting disjunction is tried child by child.
       A branch with nothing left to do is a witness: the condition is satisfiable.
       No branch left means it is not. Past _MAX_STEPS the search says True.
    """
    node = parse(tree, registry)
    try:
        return _Search().run(((node, False),), (), {}, 0)
    except _GiveUp:
        return True


_Work = tuple[tuple[Node, bool], ...]


class _Search:
    def __init__(self) -> None:
        self.steps = 0

    def run(self, pending: _Work, choices: _Work, store: _Store, depth: int) -> bool:
        """Whether the queued nodes and waiting disjunctions (each with its negation
        flag) can all hold together with the tests in ``store``."""
        while pending:
            (node, negated), pending = pending[0], pending[1:]
            self.steps += 1
            if self.steps > _MAX_STEPS or depth > _MAX_BRANCH_DEPTH:
                raise _GiveUp
            if isinstance(node, Not):
                pending = ((node.child, not negated), *pending)
            elif isinstance(node, Leaf):
                store = _add(store, node, negated)
                if not _field_fits(store, node):
                    return False
            elif isinstance(node, All) != negated:
                # all, or a negated any (not (a or b) = not a and not b).
                pending = (*((child, negated) for child in node.children), *pending)
            else:
                choices = (*choices, (node, negated))
        if not choices:
            return True
        (node, negated), choices = choices[0], choices[1:]
        assert not isinstance(node, Leaf | Not)
        # any, or a negated all: one child is enough; none at all is false.
        return any(self.run(((child, negated),), choices, store, depth + 1)
                   for child in node.children)


def _view(leaf: Leaf) -> _View:
    return (leaf.field.name, leaf.field.type, leaf.relative)


def _add(store: _Store, leaf: Leaf, negated: bool) -> _Store:
    constraint = Constraint(leaf, absolute_value(leaf, _REFERENCE_NOW), negated)
    view = _view(leaf)
    return {**store, view: (*store.get(view, ()), constraint)}


def _field_fits(store: _Store, leaf: Leaf) -> bool:
    """Whether every view of the leaf's field can still be given a value together.

    1. Each view answers (can be NULL, can hold a value).
    2. A custom JSON key holds at most one JSON type: all views NULL, or one view with
       a value while the others are NULL.
    3. Other fields have one value: all views NULL, or all with a value. (An absolute
       and a relative view of one datetime are only checked apart, which may miss a
       contradiction between them, never invent one.)
    """
    name = leaf.field.name
    statuses = [view_status(view[1], constraints)
                for view, constraints in store.items() if view[0] == name]
    all_null = all(null_ok for null_ok, _ in statuses)
    if isinstance(leaf.field.source, JSONKey):
        return all_null or any(
            value_ok and all(other[0] for j, other in enumerate(statuses) if j != i)
            for i, (_, value_ok) in enumerate(statuses))
    return all_null or all(value_ok for _, value_ok in statuses)

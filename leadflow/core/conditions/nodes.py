"""The parsed form of a condition tree, shared by the compilers and the checker.

``validate.parse`` turns JSON into these nodes after checking every part of it, so
the compilers never meet a bad tree. Two rewrites happen there and nowhere else:

* relative leaves: ``within_last_days``/``older_than_days`` and elapsed-time fields
  (``age_days``) become ordinary comparisons on a datetime field whose value is an
  *offset from now* (``relative=True``); ``absolute_value`` turns it into an instant.
* ``empty``/``not_empty`` on an undeclared custom field become the same test over
  each JSON type it could hold (see validate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadflow.core.conditions.fields import FieldSpec


@dataclass(frozen=True)
class Leaf:
    field: FieldSpec
    op: str
    # None (empty ops), one typed value, or a tuple (in/not_in values, between bounds).
    value: Any
    path: str
    relative: bool = False  # value holds timedelta offsets from ``now``


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]
    path: str = ""


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]
    path: str = ""


@dataclass(frozen=True)
class Not:
    child: Node
    path: str = ""


Node = Leaf | All | AnyOf | Not

ALWAYS = All(())


def absolute_value(leaf: Leaf, now: datetime) -> Any:
    """The leaf's value with relative offsets resolved against ``now``."""
    if not leaf.relative:
        return leaf.value
    if isinstance(leaf.value, tuple):
        return tuple(now + offset for offset in leaf.value)
    offset: timedelta = leaf.value
    return now + offset


def check_now(now: datetime) -> None:
    """Relative comparisons need an aware ``now``: naive ones would shift by the zone."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")

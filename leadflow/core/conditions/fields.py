"""Field whitelists: which names a condition may use, their types and where values live.

A ``FieldRegistry`` is built once per use of the language (lead filters, feedback
forms, …). Each ``FieldSpec`` says the field's type and its *source*:

* ``Column``      a value read from ``values[key]`` and, for queries, an ORM path;
* ``JSONKey``     a key inside a JSON object column (the ``custom.<key>`` fields);
* ``Computed``    a SQL-expression factory plus a Python getter, kept in agreement by
                  whoever writes them;
* ``ElapsedSince`` "how long ago" a datetime field was, in some unit (``age_days``).
                  It is rewritten into a comparison on the source datetime against
                  ``now`` minus an offset, so SQL and Python compare the very same
                  instant and can never disagree through rounding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import Expression


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"
    ID = "id"  # a choice stored as an integer id (a status, an agent)
    ID_LIST = "id_list"  # a list of ids; Python predicate only unless a Computed source
    # A custom field whose type nobody declared: each leaf's value decides the type
    # it is compared as (see operators.infer_any_type); never the type of a parsed leaf.
    ANY = "any"


@dataclass(frozen=True)
class Column:
    """A plain value: ``values[key]`` in Python, ``orm_path`` in queries (None: no SQL)."""

    key: str
    orm_path: str | None = None


@dataclass(frozen=True)
class JSONKey:
    """``values[mapping_key][key]`` in Python, the JSON column's key ``key`` in SQL."""

    column: str
    mapping_key: str
    key: str


@dataclass(frozen=True)
class Computed:
    """A value computed from the record and ``now``.

    ``expression(now)`` must return a Django expression whose SQL value equals what
    ``getter(values, now)`` returns in Python (NULL exactly when the getter returns
    None); the property test of the registry that uses it is what keeps them honest.
    """

    getter: Callable[[Mapping[str, Any], datetime], Any]
    expression: Callable[[datetime], Expression] | None = None


@dataclass(frozen=True)
class ElapsedSince:
    """``(now - <source>) / unit`` as a number; NULL when the source is NULL."""

    source: str
    unit: timedelta


FieldSource = Column | JSONKey | Computed | ElapsedSince


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    source: FieldSource
    nullable: bool = True
    label: str = ""


def column(name: str, field_type: FieldType, *, orm_path: str | None = None,
           nullable: bool = True, label: str = "") -> FieldSpec:
    """A field read from ``values[name]`` and queried through ``orm_path``."""
    return FieldSpec(name=name, type=field_type, source=Column(key=name, orm_path=orm_path),
                     nullable=nullable, label=label or name.replace("_", " "))


CUSTOM_PREFIX = "custom."
# Keys are embedded in a SQLite JSON path ('$."key"') and shown in pages: keep them to
# characters that need no escaping anywhere.
CUSTOM_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _.\-]{0,63}$")


_JSON_TYPES = frozenset({FieldType.STRING, FieldType.NUMBER, FieldType.BOOLEAN})


@dataclass(frozen=True)
class CustomFields:
    """Which ``custom.<key>`` names a registry accepts.

    ``types`` declares keys with a fixed type; ``allow_any`` also accepts every other
    well-formed key, typed ``FieldType.ANY`` (the leaf's value decides).
    """

    types: Mapping[str, FieldType] = field(default_factory=dict)
    allow_any: bool = False
    column: str = "custom_fields"
    mapping_key: str = "custom_fields"

    def __post_init__(self) -> None:
        # A JSON key holds a JSON scalar; dates would be strings compared as text.
        for key, field_type in self.types.items():
            if field_type not in _JSON_TYPES or not CUSTOM_KEY_RE.match(key):
                raise ValueError(f"custom field {key!r}: bad key or type {field_type}")

    def type_for(self, key: str) -> FieldType | None:
        if not CUSTOM_KEY_RE.match(key):
            return None
        if key in self.types:
            return self.types[key]
        return FieldType.ANY if self.allow_any else None


class FieldRegistry:
    """The whitelist of fields one use of the condition language may reference."""

    def __init__(self, fields: Iterable[FieldSpec], *, custom: CustomFields | None = None,
                 name: str = "") -> None:
        self.name = name
        self.custom = custom
        self._fields: dict[str, FieldSpec] = {}
        for spec in fields:
            if spec.name in self._fields or spec.name.startswith(CUSTOM_PREFIX):
                raise ValueError(f"field name {spec.name!r} is duplicated or reserved")
            self._fields[spec.name] = spec
        for spec in self._fields.values():
            # An elapsed-time field is rewritten onto its source, which must be here.
            if isinstance(spec.source, ElapsedSince):
                source = self._fields.get(spec.source.source)
                if source is None or source.type is not FieldType.DATETIME:
                    raise ValueError(f"{spec.name}: source must be a datetime field here")

    def get(self, name: str) -> FieldSpec | None:
        """The spec for ``name``, a custom field's spec built on demand, or None."""
        spec = self._fields.get(name)
        if spec is not None or self.custom is None or not name.startswith(CUSTOM_PREFIX):
            return spec
        key = name[len(CUSTOM_PREFIX):]
        field_type = self.custom.type_for(key)
        if field_type is None:
            return None
        return FieldSpec(name=name, type=field_type,
                         source=JSONKey(column=self.custom.column,
                                        mapping_key=self.custom.mapping_key, key=key),
                         nullable=True, label=key)

    def __getitem__(self, name: str) -> FieldSpec:
        spec = self.get(name)
        if spec is None:
            raise KeyError(name)
        return spec

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self._fields.values())

    def names(self) -> list[str]:
        """Declared names, plus ``custom.<key>`` for declared custom keys."""
        names = list(self._fields)
        if self.custom is not None:
            names += [CUSTOM_PREFIX + key for key in self.custom.types]
        return names

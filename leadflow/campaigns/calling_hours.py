"""Calling hours: one window per weekday, evaluated in the lead's own time zone(s).

Stored as JSON ``{"mon": {"start": "09:00", "end": "20:00"}, ..., "sun": null}``;
a missing or null day is closed. Windows never cross midnight (``start < end``):
nobody dials at midnight, and it keeps "which day is it?" unambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

_HH_MM = re.compile(r"[0-9]{2}:[0-9]{2}")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                     "Saturday", "Sunday"), strict=True))


@dataclass(frozen=True)
class Window:
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        # Start inclusive, end exclusive: a 09:00-20:00 window allows 19:59, not 20:00.
        return self.start <= moment < self.end


def default_calling_hours() -> dict[str, dict[str, str] | None]:
    weekday = {"start": "09:00", "end": "20:00"}
    return {**{day: dict(weekday) for day in WEEKDAYS[:5]},
            "sat": {"start": "10:00", "end": "18:00"}, "sun": None}


def _parse_time(value: Any, label: str) -> time:
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be a time written HH:MM.")
    # fromisoformat alone also takes seconds, offsets ("09:00+05:00": aware times that
    # cannot be compared with naive ones) and stray characters.
    if not _HH_MM.fullmatch(value):
        raise ValidationError(f"{label}: {value!r} is not a time written HH:MM.")
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{label}: {value!r} is not a time written HH:MM.") from exc


def parse_calling_hours(raw: Any) -> dict[str, Window | None]:
    """Validate the JSON form and return a Window (or None) per weekday.

    Raises ValidationError naming the bad day.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("Calling hours must be an object keyed by weekday (mon … sun).")
    unknown = sorted(set(raw) - set(WEEKDAYS))
    if unknown:
        raise ValidationError(
            f"Unknown weekday(s) {', '.join(map(str, unknown))}; use {', '.join(WEEKDAYS)}."
        )
    windows: dict[str, Window | None] = {}
    for day in WEEKDAYS:
        entry = raw.get(day)
        if entry is None:
            windows[day] = None
            continue
        label = WEEKDAY_LABELS[day]
        if not isinstance(entry, Mapping) or set(entry) != {"start", "end"}:
            raise ValidationError(f"{label} must be null (closed) or {{start, end}}.")
        start = _parse_time(entry["start"], f"{label} start")
        end = _parse_time(entry["end"], f"{label} end")
        if start >= end:
            raise ValidationError(
                f"{label}: the window must start before it ends ({entry['start']} ≥ "
                f"{entry['end']})."
            )
        windows[day] = Window(start, end)
    return windows


def validate_calling_hours(raw: Any) -> None:
    parse_calling_hours(raw)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_open_in_zone(windows: Mapping[str, Window | None], zone_name: str, at: datetime) -> bool:
    local = at.astimezone(_zone(zone_name))
    window = windows[WEEKDAYS[local.weekday()]]
    return window is not None and window.contains(local.time())


def is_open_in_all_zones(
    windows: Mapping[str, Window | None], zone_names: Iterable[str], at: datetime
) -> bool:
    """A lead with several candidate zones is callable only when every zone is in hours."""
    names = list(zone_names)
    return bool(names) and all(is_open_in_zone(windows, name, at) for name in names)

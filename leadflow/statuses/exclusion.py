"""What a workflow cell's time exclusion means, as plain functions.

**Day counting.** The day of a call is the number of whole 24-hour periods between the
lead's entry into the campaign (``Lead.created_at``) and the moment of the call::

    day = floor((call_at - created_at) / 24 h)

so a call in the first 24 hours is day 0, a call 24 h to 48 h after entry is day 1, and
so on. Days are elapsed time, not calendar dates: the lead's and the agent's time zones
do not matter and a daylight-saving change does not shift them. A range ``[from, to]``
includes both ends: ``[1, 3]`` covers calls made from exactly 24 h after entry up to,
but not including, 96 h after it. A call "before" the entry (a clock set wrong) has a
negative day and is never inside a range, since ranges start at 0 or later.

**Modes.** A cell with a range excludes its status when the call's day is in the range
and:

* ``ignore`` (the default) — always;
* ``when_permanent`` — the lead was permanently assigned to an agent before the call;
* ``when_non_permanent`` — it was not.

"Permanently assigned before the call" is ``Lead.assigned_agent`` being set when the
agent asks which statuses are allowed, i.e. before this call's feedback is applied.
A cell without a range never excludes, whatever its mode.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models

# A century: far beyond any campaign's life, small enough for every database integer.
MAX_EXCLUDE_DAY = 36_500
_ONE_DAY = timedelta(days=1)


class ExcludeMode(models.TextChoices):
    IGNORE = "ignore", "Ignore"
    WHEN_PERMANENT = "when_permanent", "When Permanent"
    WHEN_NON_PERMANENT = "when_non_permanent", "When Non Permanent"


def call_day(*, entered_at: datetime, call_at: datetime) -> int:
    """Whole days from entering the campaign to the call (floor; exact, no float)."""
    return (call_at - entered_at) // _ONE_DAY


def is_excluded(*, from_day: int | None, to_day: int | None, mode: str, day: int,
                permanent: bool) -> bool:
    """Whether a cell with this range and mode hides its status for a call on ``day``."""
    if from_day is None or to_day is None or not from_day <= day <= to_day:
        return False
    if mode == ExcludeMode.WHEN_PERMANENT:
        return permanent
    if mode == ExcludeMode.WHEN_NON_PERMANENT:
        return not permanent
    return True


def describe_exclusion(*, from_day: int | None, to_day: int | None, mode: str) -> str:
    """``"days 30–3650, when permanent"``; empty when the cell has no range."""
    if from_day is None or to_day is None:
        return ""
    days = f"day {from_day}" if from_day == to_day else f"days {from_day}–{to_day}"
    if mode == ExcludeMode.WHEN_PERMANENT:
        return f"{days}, when the lead is permanently assigned"
    if mode == ExcludeMode.WHEN_NON_PERMANENT:
        return f"{days}, when the lead is not permanently assigned"
    return days

"""The time-based rules' clock: one sweep tick a minute (see ``rules.sweep``).

A tick starts the slots whose hour has begun and drives every unfinished run to its
end; ticks overlapping on several workers are safe (the RuleRun ledger and the run-row
lock make each (rule, slot) act on a lead once), so no task lock is needed.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from leadflow.core import clock
from leadflow.rules.callbacks import callbacks_due_fire
from leadflow.rules.sweep import rules_tick


@db_periodic_task(crontab(minute="*"))
def rules_sweep() -> int:
    return rules_tick()


@db_periodic_task(crontab(minute="*"))
def rules_callbacks_due() -> int:
    """The ``callback_due`` trigger: callbacks that fell due since the last scan."""
    return callbacks_due_fire(now=clock.now())

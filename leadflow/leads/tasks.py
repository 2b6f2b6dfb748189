"""Background jobs of the leads app (thin: load by id, call the service)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from leadflow.leads.dnc import dnc_reconcile_sweep
from leadflow.leads.intake.engine import import_run


@db_task(retries=2, retry_delay=5)
def run_import_task(job_id: int) -> None:
    # Retrying is safe: the engine resumes after the last committed batch.
    import_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def dnc_reconcile_task() -> None:
    dnc_reconcile_sweep()

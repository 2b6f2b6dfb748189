"""Run an import job: validate the file, normalise in batches, write, checkpoint.

Crash safety: each batch is one transaction that writes its leads, its row errors and
the job's counters together with ``processed_rows``. A killed worker leaves the job at
its last committed batch; running the job again resumes from there, so no row is
written twice and the counters still add up to the file's rows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import F

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.leads.intake.dnc_writer import import_dnc_rows
from leadflow.leads.intake.normalise import (
    NormaliseContext,
    NormalisedLead,
    RowProblem,
    normalise_row,
)
from leadflow.leads.intake.reader import FileInfo, FileProblem, iter_file_rows
from leadflow.leads.intake.writer import WriteOptions, write_batch
from leadflow.leads.models import ImportJob, ImportKind, ImportRowError, ImportState

logger = logging.getLogger(__name__)

Progress = Callable[[ImportJob], None]
RawRow = tuple[int, list[tuple[str, str, str]], str | None]  # row number, cells, shape error


@dataclass(frozen=True)
class Batching:
    rows: int  # rows per transaction
    workers: int  # normalising processes (0 = in this process)


def batching_for(total_rows: int) -> Batching:
    # Process pools pay off only for big files; phonenumbers costs ~50 µs a row.
    workers = min(os.cpu_count() or 1, 4) if total_rows >= 50_000 else 0
    rows = 20_000 if connection.vendor == "postgresql" else 5_000
    return Batching(rows=rows, workers=workers)


def _file_info(job: ImportJob) -> FileInfo:
    return FileInfo(file_format=job.file_format, encoding=job.encoding,
                    delimiter=job.delimiter, headers=list(job.headers))


def count_rows(job: ImportJob) -> int:
    """Read the whole file once: every row counted, every file-level fault found before
    anything is written (a decoding error on line 900,000 fails the job up front)."""
    return sum(1 for _ in iter_file_rows(Path(job.file_path), _file_info(job))) - 1


def shape_row(headers: list[str], targets: list[str],
              cells: list[str]) -> tuple[list[tuple[str, str, str]], str | None]:
    """One file row as [(target, header, value)] of its mapped columns, and the problem of
    a row with more (non-empty) cells than the header; missing cells read as empty."""
    problem = None
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
        problem = f"the row has {len(cells)} cells but the header has {len(headers)}"
    padded = cells + [""] * (len(headers) - len(cells))
    return [(t, h, v) for t, h, v in zip(targets, headers, padded, strict=False)
            if t != "ignore"], problem


def _raw_rows(job: ImportJob) -> Iterator[RawRow]:
    """Data rows as (row number, [(target, header, value)], shape error or None)."""
    headers: list[str] = list(job.headers)
    targets: list[str] = list(job.mapping.get("columns", []))
    rows = iter_file_rows(Path(job.file_path), _file_info(job))
    next(rows, None)  # the header row
    for row_number, (_, cells) in enumerate(rows, start=1):
        yield row_number, *shape_row(headers, targets, cells)


def _normalise_chunk(
    chunk: list[RawRow], context: NormaliseContext
) -> list[tuple[int, NormalisedLead | list[RowProblem]]]:
    out: list[tuple[int, NormalisedLead | list[RowProblem]]] = []
    for row_number, cells, shape_problem in chunk:
        if shape_problem:
            out.append((row_number, [RowProblem("", "", shape_problem)]))
        else:
            out.append((row_number, normalise_row(cells, context)))
    return out


def _normalised_batches(
    raw: Iterator[RawRow], context: NormaliseContext, batching: Batching,
    executor: Executor | None,
) -> Iterator[list[tuple[int, NormalisedLead | list[RowProblem]]]]:
    chunks = iter(lambda: list(islice(raw, batching.rows)), [])
    if executor is None:
        for chunk in chunks:
            yield _normalise_chunk(chunk, context)
        return
    # Keep at most two chunks per worker in flight: bounded memory whatever the file size.
    pending = []
    for chunk in chunks:
        pending.append(executor.submit(_normalise_chunk, chunk, context))
        if len(pending) >= 2 * batching.workers:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def import_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """1. Claim the job (queued or interrupted-running). 2. Count rows, failing cleanly on
    a broken file. 3. Resume after ``processed_rows``: leads are normalised, in-file
    duplicates dropped and each batch written with its errors and counters in one
    transaction; a do-not-call file takes the same path through ``dnc_writer``."""
    job = ImportJob.objects.select_related("tenant", "campaign", "campaign__tenant").get(
        id=job_id)
    if job.state in (ImportState.DONE, ImportState.FAILED, ImportState.UPLOADED):
        return job
    if job.started_at is None:
        job.started_at = clock.now()
    job.state = ImportState.RUNNING
    job.save(update_fields=["state", "started_at"])
    try:
        job.total_rows = count_rows(job)
    except FileProblem as exc:
        return _fail(job, str(exc))
    except OSError as exc:
        return _fail(job, f"The uploaded file cannot be read ({exc.strerror or exc}); "
                          "upload it again.")
    job.save(update_fields=["total_rows"])

    raw = islice(_raw_rows(job), job.processed_rows, None)
    try:
        if job.kind == ImportKind.DNC:
            import_dnc_rows(job, raw, batching_for(0).rows, progress)
        else:
            _import_leads(job, raw, progress)
    except FileProblem as exc:
        return _fail(job, str(exc))
    except (OperationalError, InterfaceError):
        raise  # the database went away: the job stays running, and a retry resumes it
    except Exception as exc:
        # Never leave a job "running" forever on a bug or a value the database refuses:
        # the committed batches stay, and importing the file again skips them.
        logger.exception("Import %s failed", job.id)
        return _fail(job, f"The import stopped at row {job.processed_rows + 1} on an internal "
                          f"error ({type(exc).__name__}); the {job.processed_rows} rows before "
                          "it are imported. Importing the file again skips them.")
    job.state = ImportState.DONE
    job.finished_at = clock.now()
    job.save(update_fields=["state", "finished_at"])
    return job


def _import_leads(job: ImportJob, raw: Iterator[RawRow], progress: Progress | None) -> None:
    campaign = job.campaign
    assert campaign is not None
    context = NormaliseContext(
        default_region=str(job.options.get("default_region", "")),
        campaign_zone=campaign.time_zone,
        custom_types=dict(job.mapping.get("custom_types", {})),
        formulas=job.file_format == "xlsx",
    )
    options = WriteOptions(
        dedupe_scope=job.options.get("dedupe_scope", "campaign"),
        on_duplicate=job.options.get("on_duplicate", "skip"),
        dnc_policy=job.options.get("dnc_policy", "skip"),
    )
    batching = batching_for(job.total_rows - job.processed_rows)
    seen = _keys_before_checkpoint(job, context) if job.processed_rows else set()
    executor = None
    if batching.workers:
        # Forked workers must not inherit the open database socket: two processes
        # talking on one connection corrupt it. The parent reconnects on next use.
        connections.close_all()
        executor = ProcessPoolExecutor(batching.workers)
    try:
        for batch in _normalised_batches(raw, context, batching, executor):
            _write_checkpointed(job, campaign, batch, options, seen)
            if progress:
                progress(job)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _keys_before_checkpoint(job: ImportJob, context: NormaliseContext) -> set[str]:
    """On resume, the dedupe keys of the rows already processed: a later row repeating
    one of them is an in-file duplicate, exactly as in an uninterrupted run (it must not
    become "updated" or "do-not-call skipped" because its twin is now in the database)."""
    seen: set[str] = set()
    prefix = islice(_raw_rows(job), job.processed_rows)
    batching = batching_for(job.processed_rows)
    executor = None
    if batching.workers:
        connections.close_all()  # as in _import_leads: no socket shared with a fork
        executor = ProcessPoolExecutor(batching.workers)
    try:
        for batch in _normalised_batches(prefix, context, batching, executor):
            seen.update(o.dedupe_key for _, o in batch if isinstance(o, NormalisedLead))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return seen


def _write_checkpointed(
    job: ImportJob, campaign: Campaign,
    batch: list[tuple[int, NormalisedLead | list[RowProblem]]], options: WriteOptions,
    seen: set[str],
) -> None:
    errors: list[ImportRowError] = []
    valid: list[tuple[int, NormalisedLead]] = []
    in_file_duplicates = 0
    for row_number, outcome in batch:
        if isinstance(outcome, list):
            errors.extend(ImportRowError(job=job, row_number=row_number, column=p.column[:255],
                                         value=p.value[:500], reason=p.reason[:500])
                          for p in outcome)
        elif outcome.dedupe_key in seen:
            in_file_duplicates += 1
        else:
            seen.add(outcome.dedupe_key)
            valid.append((row_number, outcome))
    rejected = len({e.row_number for e in errors})
    # One transaction per batch: the leads, the error rows and the checkpoint commit
    # together, so a crash can never count a batch without its leads or vice versa.
    with transaction.atomic():
        result = write_batch(campaign=campaign, rows=valid, options=options, now=clock.now())
        ImportRowError.objects.bulk_create(errors, batch_size=1000)
        counters = {
            "processed_rows": len(batch), "rejected": rejected,
            "imported": result.count("imported"), "updated": result.count("updated"),
            "duplicates": result.count("duplicate") + in_file_duplicates,
            "dnc_skipped": result.count("dnc_skipped"), "blacklisted": result.blacklisted,
        }
        ImportJob.objects.filter(id=job.id).update(
            **{name: F(name) + value for name, value in counters.items()})
    for name, value in counters.items():
        setattr(job, name, getattr(job, name) + value)


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.state = ImportState.FAILED
    job.error_message = message
    job.finished_at = clock.now()
    job.save(update_fields=["state", "error_message", "finished_at"])
    return job

"""Run an import job: validate the file, normalise in batches, write, checkpoint.

Crash safety: each batch is one transaction that writes its leads, its row errors and
the job's counters together with ``processed_rows``. A killed worker leaves the job at
its last committed batch; running the job again resumes from there, so no row is
written twice and the counters still add up to the file's rows.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from queue import Full, Queue
from typing import Any

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


@dataclass(frozen=True)
class Shape:
    """How a file row becomes (target, header, value) cells: sent to the workers once per
    chunk, so the rows travel as their bare cells (a third of the pickled bytes)."""

    headers: list[str]
    targets: list[str]


def _shape(job: ImportJob) -> Shape:
    return Shape(headers=list(job.headers), targets=list(job.mapping.get("columns", [])))


def _file_rows(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    """Data rows as (row number, cells), the header row skipped."""
    rows = iter_file_rows(Path(job.file_path), _file_info(job))
    next(rows, None)  # the header row
    for row_number, (_, cells) in enumerate(rows, start=1):
        yield row_number, cells


def _raw_rows(job: ImportJob) -> Iterator[RawRow]:
    """Data rows as (row number, [(target, header, value)], shape error or None)."""
    shape = _shape(job)
    for row_number, cells in _file_rows(job):
        yield row_number, *shape_row(shape.headers, shape.targets, cells)


Normalised = list[tuple[int, NormalisedLead | list[RowProblem]]]


def _normalise_chunk(chunk: list[tuple[int, list[str]]], shape: Shape,
                     context: NormaliseContext) -> Normalised:
    # A row as wide as the header (nearly all) is shaped by the mapped columns' indexes,
    # exactly as shape_row does it; other widths take shape_row itself.
    mapped = [(index, target, header) for index, (target, header)
              in enumerate(zip(shape.targets, shape.headers, strict=False)) if target != "ignore"]
    width = len(shape.headers)
    out: Normalised = []
    for row_number, cells in chunk:
        if len(cells) == width:
            triples, shape_problem = [(t, h, cells[i]) for i, t, h in mapped], None
        else:
            triples, shape_problem = shape_row(shape.headers, shape.targets, cells)
        if shape_problem:
            out.append((row_number, [RowProblem("", "", shape_problem)]))
        else:
            out.append((row_number, normalise_row(triples, context)))
    return out


def _normalised_batches(
    rows: Iterator[tuple[int, list[str]]], shape: Shape, context: NormaliseContext,
    batching: Batching, executor: Executor | None,
) -> Generator[Normalised, None, None]:
    chunks = iter(lambda: list(islice(rows, batching.rows)), [])
    if executor is None:
        for chunk in chunks:
            yield _normalise_chunk(chunk, shape, context)
        return
    # Keep at most two chunks per worker in flight: bounded memory whatever the file size,
    # and the workers keep normalising while this process waits on the database.
    pending: deque[Future[Normalised]] = deque()
    for chunk in chunks:
        pending.append(executor.submit(_normalise_chunk, chunk, shape, context))
        if len(pending) >= 2 * batching.workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _read_ahead(items: Generator[Normalised, None, None], depth: int) -> Iterator[Normalised]:
    """``items`` produced by a helper thread, up to ``depth`` batches ahead.

    Reading the file and handing chunks to the worker processes (and their results back)
    is Python work that would otherwise stand still while this thread waits on the
    database, the merge and the commit being half of a batch's time; in the helper it
    runs then. The helper never touches the database: the batches are written here, in
    order, on this thread's connection (the test suite's transaction included)."""
    ready: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def offer(message: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(message, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        with closing(items):
            try:
                for item in items:
                    if not offer(("batch", item)):
                        return
            except BaseException as exc:  # handed over: raised in the consumer
                offer(("error", exc))
                return
        offer(("end", None))

    helper = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    helper.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        # The consumer stopped (done, or a write failed): the helper ends at its next
        # hand-over, after at most the chunk a worker is normalising now.
        stop.set()
        helper.join()


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

    try:
        if job.kind == ImportKind.DNC:
            raw = islice(_raw_rows(job), job.processed_rows, None)
            import_dnc_rows(job, raw, batching_for(0).rows, progress)
        else:
            _import_leads(job, islice(_file_rows(job), job.processed_rows, None), progress)
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


def _import_leads(job: ImportJob, rows: Iterator[tuple[int, list[str]]],
                  progress: Progress | None) -> None:
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
    batches = _normalised_batches(rows, _shape(job), context, batching, executor)
    try:
        for batch in _read_ahead(batches, depth=2) if executor is not None else batches:
            _write_checkpointed(job, campaign, batch, options, seen)
            if progress:
                progress(job)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


SeenKey = int | str


def _seen_key(lead: NormalisedLead) -> SeenKey:
    """The lead's dedupe key as kept for the whole file: a phone as the integer of its
    E.164 digits (64 bytes a key with its set slot instead of 95: the one structure that
    grows with the file), a CRM id as its string. An int never equals a str."""
    digits = lead.phone[1:]
    # Only where the int gives back the same digits: ASCII, no leading zero (E.164 always).
    if not lead.external_id and digits.isascii() and digits.isdigit() and digits[0] != "0":
        return int(digits)
    return lead.dedupe_key


def _keys_before_checkpoint(job: ImportJob, context: NormaliseContext) -> set[SeenKey]:
    """On resume, the dedupe keys of the rows already processed: a later row repeating
    one of them is an in-file duplicate, exactly as in an uninterrupted run (it must not
    become "updated" or "do-not-call skipped" because its twin is now in the database)."""
    seen: set[SeenKey] = set()
    prefix = islice(_file_rows(job), job.processed_rows)
    batching = batching_for(job.processed_rows)
    executor = None
    if batching.workers:
        connections.close_all()  # as in _import_leads: no socket shared with a fork
        executor = ProcessPoolExecutor(batching.workers)
    try:
        for batch in _normalised_batches(prefix, _shape(job), context, batching, executor):
            seen.update(_seen_key(o) for _, o in batch if isinstance(o, NormalisedLead))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return seen


def _write_checkpointed(
    job: ImportJob, campaign: Campaign,
    batch: list[tuple[int, NormalisedLead | list[RowProblem]]], options: WriteOptions,
    seen: set[SeenKey],
) -> None:
    errors: list[ImportRowError] = []
    valid: list[tuple[int, NormalisedLead]] = []
    in_file_duplicates = 0
    for row_number, outcome in batch:
        if isinstance(outcome, list):
            errors.extend(ImportRowError(job=job, row_number=row_number, column=p.column[:255],
                                         value=p.value[:500], reason=p.reason[:500])
                          for p in outcome)
        elif (key := _seen_key(outcome)) in seen:
            in_file_duplicates += 1
        else:
            seen.add(key)
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

"""Running a real subprocess against the test database, on SQLite and PostgreSQL.

On PostgreSQL the subprocess connects to the test database pytest-django created (the
same server as ``DATABASE_URL``). On SQLite the test database lives in memory, which no
other process can open: ``shared_database_file`` copies it to a file for the subprocess
(SQLite's backup API) and ``shared_database_restore`` copies the file back into the test
connection once the subprocess is done. Tests using this need
``django_db(transaction=True)``: the subprocess sees only committed rows.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings as django_settings
from django.db import connection


def shared_database_file(tmp_path: Path) -> Path | None:
    """SQLite: a file copy of the in-memory test database; PostgreSQL: None."""
    if connection.vendor != "sqlite":
        return None
    sqlite_file = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(sqlite_file) as shared:
        connection.connection.backup(shared)
    return sqlite_file


def shared_database_restore(sqlite_file: Path | None) -> None:
    """SQLite: copy the subprocess's file back into the test database."""
    if sqlite_file is not None:
        with sqlite3.connect(sqlite_file) as shared:
            shared.backup(connection.connection)


def subprocess_env(tmp_path: Path, sqlite_file: Path | None, **extra: str) -> dict[str, str]:
    """The environment for a subprocess using the test database (``extra`` added)."""
    env = {**os.environ, "LEADFLOW_VAR_DIR": str(tmp_path / "worker-var"),
           "PYTHONUNBUFFERED": "1", **extra}
    if sqlite_file is not None:
        env.pop("DATABASE_URL", None)
        env["LEADFLOW_SQLITE_PATH"] = str(sqlite_file)
    else:  # the same server, but the test database pytest-django created
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = django_settings.DATABASES["default"]["NAME"]
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    return env


def committed_row(sql: str, params: tuple[Any, ...], sqlite_file: Path | None
                  ) -> tuple[Any, ...] | None:
    """One row as committed, read the way another process sees it (``%s`` placeholders)."""
    if sqlite_file is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else tuple(row)
    with sqlite3.connect(sqlite_file, timeout=20) as db:
        found = db.execute(sql.replace("%s", "?"), params).fetchone()
    return None if found is None else tuple(found)

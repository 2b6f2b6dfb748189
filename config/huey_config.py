"""Huey storage choice: SQLite file by default (embedded), Redis when REDIS_URL is set."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def huey_settings(*, redis_url: str, var_dir: Path, name: str = "leadflow") -> dict[str, Any]:
    if redis_url:
        return {"huey_class": "huey.RedisHuey", "name": name, "url": redis_url,
                "immediate": False}
    return {"huey_class": "huey.SqliteHuey", "name": name,
            "filename": str(var_dir / "huey.sqlite3"), "immediate": False}

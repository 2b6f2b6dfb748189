"""The ``leadflow`` command: Django's management commands under one name.

``leadflow run`` serves the app, ``leadflow bench …`` runs benchmarks, and any other
management command works too (``leadflow migrate``, ``leadflow createsuperuser``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "leadflow"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

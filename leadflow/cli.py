"""The ``leadflow`` command: Django's management commands under one name.

``leadflow run`` serves the app, ``leadflow bench …`` runs benchmarks, ``leadflow
rules-sweep`` runs the time-based rules on its own (dashes name the command's
underscores), and any other management command works too (``leadflow migrate``,
``leadflow createsuperuser``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "leadflow"
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        # ``leadflow rules-sweep`` is the command module ``rules_sweep``.
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

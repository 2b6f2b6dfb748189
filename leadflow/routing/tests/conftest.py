"""Reuse the browser fixtures of the UI tests (one Chromium per session, a page per test)."""

from leadflow.ui.tests.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    admin_user,
    browser,
    log_in,
    page,
    playwright,
)

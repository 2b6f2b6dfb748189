"""Stats tests reuse the dialing fixtures (a campaign open all day in New York, agents)
and the browser fixtures of the UI tests (one Chromium per session, a page per test)."""

from leadflow.dialing.tests.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    _fresh_claim_cache,
    agent,
    agent2,
    campaign,
)
from leadflow.ui.tests.conftest import (  # noqa: F401
    admin_user,
    browser,
    log_in,
    page,
    playwright,
)

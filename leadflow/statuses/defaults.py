"""The statuses every new campaign starts with (colours, flags), editable afterwards."""

from __future__ import annotations

from typing import Any

# call_after is required by the personal/meeting statuses; "New" carries a logical
# contradiction so agents can never choose it (the system sets it on new leads).
_CALL_AFTER_REQUIRED: dict[str, Any] = {
    "all": [{"field": "call_after", "op": "not_empty"}]
}
_NEVER_BY_AGENTS: dict[str, Any] = {
    "all": [{"field": "comment", "op": "empty"}, {"field": "comment", "op": "not_empty"}]
}

DEFAULT_STATUSES: list[dict[str, Any]] = [
    {"name": "New", "color": "#1e88e5", "is_default_for_new_leads": True,
     "description": "Set by the system on leads entering the campaign.",
     "required_fields": _NEVER_BY_AGENTS},
    {"name": "No Answer", "color": "#90a4ae"},
    {"name": "Busy", "color": "#ffb300"},
    {"name": "Voicemail", "color": "#8d6e63"},
    {"name": "Call Again - Personal", "color": "#8e24aa", "max_call_after_days": 14,
     "allow_call_after": True, "affects_permanent_assignment": True,
     "required_fields": _CALL_AFTER_REQUIRED},
    {"name": "Call Again - General", "color": "#5e35b1", "max_call_after_days": 14,
     "allow_call_after": True},
    {"name": "Personal Meeting", "color": "#00897b", "max_call_after_days": 30,
     "allow_call_after": True, "affects_permanent_assignment": True,
     "required_fields": _CALL_AFTER_REQUIRED},
    {"name": "Not Interested", "color": "#e53935", "is_dialable": False, "is_final": True},
    {"name": "Wrong Number", "color": "#6d4c41", "is_dialable": False, "is_final": True},
    {"name": "Do Not Call", "color": "#212121", "is_dialable": False, "is_final": True,
     "is_do_not_call": True},
    {"name": "Converted", "color": "#43a047", "is_dialable": False, "is_final": True},
]

# --- the default workflow -------------------------------------------------------------
#
# Rows are "from" statuses, each listing the "to" statuses agents may choose after a
# call on a lead in that status. The rationale:
# * nobody chooses "New": it is a system status (its required fields contradict);
# * from every open status (New and the retry/callback statuses) any outcome may follow,
#   the same status again included (No Answer → No Answer is the common case);
# * final statuses are not dialled, so a call on them is an exception (an inbound call,
#   a lead moved by hand): only the outcomes that still make sense are offered;
# * "Do Not Call" is reachable from every status but itself: a do-not-call request can
#   come on any call and must always be recordable; from "Do Not Call" nothing follows.
_AGENT_CHOICES: list[str] = [s["name"] for s in DEFAULT_STATUSES if s["name"] != "New"]
_OPEN_STATUSES: list[str] = [s["name"] for s in DEFAULT_STATUSES if not s.get("is_final")]

DEFAULT_WORKFLOW: dict[str, list[str]] = {
    **{name: _AGENT_CHOICES for name in _OPEN_STATUSES},
    "Not Interested": ["Converted", "Do Not Call"],
    "Wrong Number": ["Do Not Call"],
    "Do Not Call": [],
    "Converted": ["Do Not Call"],
}

# Time exclusions on cells, by "to" status, applied to every row that allows it.
# "Call Again - Personal" assigns the lead permanently to the agent. Once a lead has been
# in the campaign for 30 days *and* is already permanently held, the agent can no longer
# renew the hold with another "Call Again - Personal": the lead gets an outcome or goes
# back to the pool ("Call Again - General"). Without it one agent could keep a lead
# forever. Leads not yet held are unaffected (mode "when permanent").
DEFAULT_EXCLUSIONS: dict[str, dict[str, Any]] = {
    "Call Again - Personal": {"exclude_from_day": 30, "exclude_to_day": 3650,
                              "exclude_mode": "when_permanent"},
}

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

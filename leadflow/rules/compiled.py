"""A campaign's rules as the engine runs them: parsed once, cached until edited."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.core.conditions import Predicate
from leadflow.core.conditions.nodes import Node
from leadflow.core.conditions.predicate import build_predicate
from leadflow.core.conditions.validate import parse
from leadflow.dialing.hot import TtlCache
from leadflow.rules.fields import RULE_FIELDS, uses_windows
from leadflow.rules.models import Rule, RuleKind


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    triggers: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    stop_processing: bool
    conditions: Any
    node: Node
    uses_windows: bool
    events: frozenset[str]  # the trigger events, to skip a rule without reading them

    def predicate(self, now: datetime) -> Predicate:
        return build_predicate(self.node, now)


# Parsing is the costly part of a condition; a rule's parse is reused until the rule
# is saved again (its updated_at moves). Bounded: at most one entry per rule id.
_parsed: dict[int, tuple[datetime, CompiledRule]] = {}
_lock = threading.Lock()


def compile_rule(rule: Rule) -> CompiledRule:
    with _lock:
        hit = _parsed.get(rule.id)
    if hit is not None and hit[0] == rule.updated_at:
        return hit[1]
    compiled = CompiledRule(id=rule.id, name=rule.name, triggers=list(rule.triggers or []),
                            actions=list(rule.actions or []),
                            stop_processing=rule.stop_processing,
                            conditions=rule.conditions or {},
                            node=parse(rule.conditions or {}, RULE_FIELDS),
                            uses_windows=uses_windows(rule.conditions),
                            events=frozenset(str(t.get("event")) for t in rule.triggers or []
                                             if isinstance(t, dict)))
    with _lock:
        _parsed[rule.id] = (rule.updated_at, compiled)
    return compiled


# A campaign's event rules, read on every feedback and dial result. Saves and deletes
# of rules and groups clear it at once in this process (signals connected in
# RulesConfig.ready); other processes see an edit within ``TTL`` seconds, like the
# next-lead caches (dialing.hot). The lists are shared: never mutate one.
_campaign_rules: TtlCache[list[CompiledRule]] = TtlCache()


def _load_event_rules(campaign_id: int) -> list[CompiledRule]:
    rules = (Rule.objects.filter(campaign_id=campaign_id, kind=RuleKind.EVENT, is_active=True,
                                 group__is_enabled=True)
             .order_by("group__position", "group_id", "position", "id"))
    return [compile_rule(rule) for rule in rules]


def event_rules_for(campaign_id: int) -> list[CompiledRule]:
    """Active event rules of enabled groups, in group order then rule order."""
    return _campaign_rules.get(campaign_id, lambda: _load_event_rules(campaign_id))


def rules_cache_clear(**_: Any) -> None:
    _campaign_rules.clear()

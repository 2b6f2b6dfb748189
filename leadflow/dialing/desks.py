"""Lead sources of a desk (for the predictive dialer's batch claim), read from routing.

Routing exposes per-agent sources; a desk's are its priority groups' filter groups,
compiled the same way (object lists substituted, the shared condition language).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Q

from leadflow.core.conditions import ConditionError, compile_q
from leadflow.dialing.claim import LeadSource
from leadflow.tenants.models import Tenant

log = logging.getLogger(__name__)


def desk_sources(*, tenant: Tenant, desk_id: int, at: datetime) -> list[LeadSource]:
    from leadflow.routing.conditions import ROUTING_FIELDS
    from leadflow.routing.models import FilterGroup, PriorityGroup
    from leadflow.routing.selectors import desk_get, resolved_conditions

    desk_get(tenant=tenant, desk_id=desk_id)  # 404 for another tenant's desk
    priorities = dict(PriorityGroup.objects.filter(tenant=tenant, desk_id=desk_id)
                      .values_list("user_group_id", "priority"))
    groups = sorted(FilterGroup.objects.filter(tenant=tenant, user_group_id__in=priorities,
                                               weight__gt=0),
                    key=lambda g: (priorities[g.user_group_id], g.is_failover, g.order, g.id))
    conditions = resolved_conditions(tenant=tenant, groups=groups)
    sources: list[LeadSource] = []
    for group in groups:
        condition = conditions.get(group.id)
        try:
            if condition is None:
                raise ConditionError("an object list it uses was deleted")
            q = compile_q(condition, ROUTING_FIELDS, at)
        except ConditionError as exc:
            log.warning("filter group %s skipped: %s", group.id, exc)
            continue
        sources.append(LeadSource(q=Q(tenant_id=tenant.id) & q,
                                  priority=priorities[group.user_group_id],
                                  weight=group.weight, is_failover=group.is_failover,
                                  filter_group_id=group.id, user_group_id=group.user_group_id))
    return sources

from typing import Any

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "leadflow.routing"
    label = "routing"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_online_after_login, dispatch_uid="routing_online_after_login")


def _online_after_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Agents are Online after logging in, in every tenant they belong to."""
    from django.utils import timezone

    from leadflow.routing.models import AgentProfile

    AgentProfile.objects.filter(user=user, break_state__isnull=False).update(
        break_state=None, state_changed_at=timezone.now())

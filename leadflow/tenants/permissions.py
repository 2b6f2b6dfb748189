"""View guards by role. Agents never reach back-office pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from leadflow.tenants.models import Role

ViewFunc = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in roles:
                raise PermissionDenied("Your role cannot open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)
manager_required = role_required(Role.ADMIN, Role.SUPERVISOR)
member_required = role_required(Role.ADMIN, Role.SUPERVISOR, Role.AGENT)

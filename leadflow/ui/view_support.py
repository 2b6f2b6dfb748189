"""Small helpers every app's views share: the request's tenant, posted data, 404s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, QueryDict

from leadflow.core.errors import NotFoundError
from leadflow.tenants.models import Tenant

T = TypeVar("T")


def tenant_of(request: HttpRequest) -> Tenant:
    """The tenant TenantMiddleware chose; role guards ensure there is one."""
    return request.tenant  # type: ignore[attr-defined,no-any-return]


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data on POST, even an empty one (``request.POST or None`` would leave the
    form unbound, and an empty submission would pass as a first visit)."""
    return request.POST if request.method == "POST" else None


def or_404(lookup: Callable[..., T], /, **kwargs: Any) -> T:
    """Call a selector; "not found in this tenant" becomes the page's 404."""
    try:
        return lookup(**kwargs)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc

"""The one NinjaAPI instance: routers, authentication and error mapping.

Every error leaves as JSON ``{"detail": …}`` with a 4xx code: validation problems
name the field, unknown or foreign objects answer 404 alike.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from leadflow.api.auth import back_office_auth
from leadflow.campaigns.api import router as campaigns_router
from leadflow.core.errors import DomainError, validation_error_messages

api = NinjaAPI(
    title="Leadflow API",
    version="1",
    description=(
        "Campaigns, leads and the dialing brain of Leadflow. Authenticate with a tenant API "
        "key in the `X-API-Key` header (Tenant → API keys), or a logged-in admin session."
    ),
    auth=back_office_auth,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", campaigns_router)
api.add_router("/", "leadflow.campaigns.api_sip.router")
api.add_router("/", "leadflow.statuses.api.router")
api.add_router("/", "leadflow.dialing.api.router")
api.add_router("/", "leadflow.routing.api.router")
api.add_router("/", "leadflow.leads.api.router")
api.add_router("/", "leadflow.crm.api.router")
api.add_router("/", "leadflow.stats.api.router")


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, messages in validation_error_messages(exc).items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Validation runs first; this only answers a race lost to a concurrent writer.
    return api.create_response(
        request, {"detail": "The change conflicts with another one made at the same time."},
        status=409,
    )

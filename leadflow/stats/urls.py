from __future__ import annotations

from datetime import date

from django.urls import path, register_converter

from leadflow.stats import views


class IsoDateConverter:
    """``yyyy-mm-dd`` as a date. An impossible date (2026-02-30) raises ValueError, which
    Django takes as "no match": the page answers 404, never 500."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("campaigns/<int:campaign_id>/stats/", views.stats_by_leads, name="stats_by_leads"),
    path("campaigns/<int:campaign_id>/callback-stats/", views.callback_stats,
         name="callback_stats"),
    path("campaigns/<int:campaign_id>/callback-stats/<isodate:day>/", views.callback_stats_day,
         name="callback_stats_day"),
]

from django.apps import AppConfig


class StatsConfig(AppConfig):
    """Read-only campaign statistics: no models, only selectors, pages and API reads."""

    name = "leadflow.stats"
    label = "stats"

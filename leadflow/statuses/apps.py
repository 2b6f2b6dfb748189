from django.apps import AppConfig


class StatusesConfig(AppConfig):
    name = "leadflow.statuses"
    label = "statuses"

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "leadflow.ops"
    label = "ops"

from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "leadflow.rules"
    label = "rules"

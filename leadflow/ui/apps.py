from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "leadflow.ui"
    label = "ui"

from django.apps import AppConfig


class DialingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leadflow.dialing"
    label = "dialing"

from django.apps import AppConfig


class DialingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leadflow.dialing"
    label = "dialing"

    def ready(self) -> None:
        from leadflow.dialing import hot

        hot.connect_signals()  # admin edits clear the next-lead caches at once

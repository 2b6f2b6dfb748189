from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "leadflow.rules"
    label = "rules"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from leadflow.rules.compiled import rules_cache_clear
        from leadflow.rules.models import Rule, RuleGroup

        # An edited rule or group takes effect at once in this process.
        for model in (Rule, RuleGroup):
            post_save.connect(rules_cache_clear, sender=model,
                              dispatch_uid=f"rules-cache-{model.__name__}-save")
            post_delete.connect(rules_cache_clear, sender=model,
                                dispatch_uid=f"rules-cache-{model.__name__}-delete")

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "leadflow.tenants"
    label = "tenants"

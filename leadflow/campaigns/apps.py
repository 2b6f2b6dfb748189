from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "leadflow.campaigns"
    label = "campaigns"

from django.urls import path

from leadflow.dialing import views

urlpatterns = [
    path("campaigns/<int:campaign_id>/availability/", views.campaign_availability,
         name="campaign_availability"),
]

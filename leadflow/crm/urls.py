from django.urls import path

from leadflow.crm import views

urlpatterns = [
    path("tenant/remote-adapter/", views.remote_adapter, name="remote_adapter"),
]

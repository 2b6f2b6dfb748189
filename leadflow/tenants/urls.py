from django.urls import path

from leadflow.tenants import views

urlpatterns = [
    path("settings/", views.tenant_settings, name="tenant_settings"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("switch/", views.tenant_switch, name="tenant_switch"),
]

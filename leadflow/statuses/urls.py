from django.urls import path

from leadflow.statuses import mapping_views, views

urlpatterns = [
    path("campaigns/<int:campaign_id>/statuses/", views.status_list, name="status_list"),
    path("campaigns/<int:campaign_id>/statuses/new/", views.status_create, name="status_create"),
    path("campaigns/<int:campaign_id>/statuses/<int:status_id>/edit/", views.status_edit,
         name="status_edit"),
    path("campaigns/<int:campaign_id>/statuses/<int:status_id>/delete/", views.status_delete,
         name="status_delete"),
    path("campaigns/<int:campaign_id>/workflow/", views.workflow_edit, name="workflow_edit"),
    path("campaigns/status-api-mapping/", mapping_views.status_api_mapping,
         name="status_api_mapping"),
    path("campaigns/status-api-mapping/<int:status_id>/edit/",
         mapping_views.status_api_mapping_edit, name="status_api_mapping_edit"),
    path("campaigns/crm-status-mappings/", mapping_views.api_mapping_list,
         name="api_mapping_list"),
    path("campaigns/crm-status-mappings/new/", mapping_views.api_mapping_create,
         name="api_mapping_create"),
    path("campaigns/crm-status-mappings/<int:mapping_id>/edit/", mapping_views.api_mapping_edit,
         name="api_mapping_edit"),
    path("campaigns/crm-status-mappings/<int:mapping_id>/delete/",
         mapping_views.api_mapping_delete, name="api_mapping_delete"),
]

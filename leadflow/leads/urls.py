from django.urls import path

from leadflow.leads import views, views_dnc, views_imports, views_leads

urlpatterns = [
    # Before every "campaigns/<…>/" pattern an app may add: "leads" is a fixed segment.
    path("campaigns/leads/", views_leads.lead_search, name="lead_search"),
    path("campaigns/leads/<int:lead_id>/", views_leads.lead_detail, name="lead_detail"),
    path("campaigns/imports/", views_imports.import_list, name="import_list"),
    path("campaigns/imports/new/", views_imports.import_upload, name="import_upload"),
    path("campaigns/imports/<int:job_id>/", views_imports.import_detail, name="import_detail"),
    path("campaigns/imports/<int:job_id>/mapping/", views_imports.import_map,
         name="import_map"),
    path("campaigns/imports/<int:job_id>/preview/", views_imports.import_preview_fragment,
         name="import_preview"),
    path("campaigns/imports/<int:job_id>/status/", views_imports.import_status_fragment,
         name="import_status"),
    path("campaigns/imports/<int:job_id>/errors.csv", views_imports.import_errors_csv,
         name="import_errors_csv"),
    path("campaigns/do-not-call/", views_dnc.dnc_list, name="dnc_list"),
    path("campaigns/do-not-call/add/", views_dnc.dnc_add, name="dnc_add"),
    path("campaigns/do-not-call/upload/", views_dnc.dnc_upload, name="dnc_upload"),
    path("campaigns/do-not-call/<int:entry_id>/remove/", views_dnc.dnc_remove,
         name="dnc_remove"),
    path("campaigns/<int:campaign_id>/custom-fields/", views.custom_field_list,
         name="custom_field_list"),
    path("campaigns/<int:campaign_id>/custom-fields/<int:field_id>/edit/",
         views.custom_field_edit, name="custom_field_edit"),
    path("campaigns/<int:campaign_id>/custom-fields/<int:field_id>/delete/",
         views.custom_field_delete, name="custom_field_delete"),
]

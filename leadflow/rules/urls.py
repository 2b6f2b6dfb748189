from django.urls import path

from leadflow.rules import views

urlpatterns = [
    path("campaigns/<int:campaign_id>/rules/", views.rule_list, name="rule_list"),
    path("campaigns/<int:campaign_id>/rules/groups/new/", views.group_create,
         name="rule_group_create"),
    path("campaigns/<int:campaign_id>/rules/groups/<int:group_id>/edit/", views.group_edit,
         name="rule_group_edit"),
    path("campaigns/<int:campaign_id>/rules/groups/<int:group_id>/delete/", views.group_delete,
         name="rule_group_delete"),
    path("campaigns/<int:campaign_id>/rules/new/", views.rule_create, name="rule_create"),
    path("campaigns/<int:campaign_id>/rules/<int:rule_id>/edit/", views.rule_edit,
         name="rule_edit"),
    path("campaigns/<int:campaign_id>/rules/<int:rule_id>/delete/", views.rule_delete,
         name="rule_delete"),
    path("campaigns/<int:campaign_id>/rules/dry-run/", views.rule_dry_run_view,
         name="rule_dry_run"),
]

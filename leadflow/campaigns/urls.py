from django.urls import path

from leadflow.campaigns import views, views_sip

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/toggle/", views.campaign_toggle, name="campaign_toggle"),
    path("campaigns/<int:campaign_id>/delete/", views.campaign_delete, name="campaign_delete"),
    path("campaigns/<int:campaign_id>/sip-forward-uris/", views_sip.sip_forward_list,
         name="sip_forward_list"),
    path("campaigns/<int:campaign_id>/sip-forward-uris/new/", views_sip.sip_forward_create,
         name="sip_forward_create"),
    path("campaigns/<int:campaign_id>/sip-forward-uris/<int:uri_id>/edit/",
         views_sip.sip_forward_edit, name="sip_forward_edit"),
    path("campaigns/<int:campaign_id>/sip-forward-uris/<int:uri_id>/delete/",
         views_sip.sip_forward_delete, name="sip_forward_delete"),
    path("campaign-groups/", views.group_list, name="group_list"),
    path("campaign-groups/new/", views.group_create, name="group_create"),
    path("campaign-groups/<int:group_id>/edit/", views.group_edit, name="group_edit"),
    path("campaign-groups/<int:group_id>/delete/", views.group_delete, name="group_delete"),
]

from django.urls import path

from leadflow.crm import views, views_inbound

urlpatterns = [
    path("tenant/remote-adapter/", views.remote_adapter, name="remote_adapter"),
    path("tenant/inbound-routes/", views_inbound.inbound_route_list,
         name="inbound_route_list"),
    path("tenant/inbound-routes/new/", views_inbound.inbound_route_create_view,
         name="inbound_route_create"),
    path("tenant/inbound-routes/<int:route_id>/edit/", views_inbound.inbound_route_edit_view,
         name="inbound_route_edit"),
    path("tenant/inbound-routes/<int:route_id>/move/", views_inbound.inbound_route_move_view,
         name="inbound_route_move"),
    path("tenant/inbound-routes/<int:route_id>/delete/",
         views_inbound.inbound_route_delete_view, name="inbound_route_delete"),
]

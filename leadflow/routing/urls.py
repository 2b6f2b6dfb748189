from django.urls import path

from leadflow.routing import views

urlpatterns = [
    path("routing/user-groups/", views.user_group_list, name="routing_user_group_list"),
    path("routing/user-groups/new/", views.user_group_create, name="routing_user_group_create"),
    path("routing/user-groups/<int:user_group_id>/", views.user_group_edit,
         name="routing_user_group_edit"),
    path("routing/user-groups/<int:user_group_id>/delete/", views.user_group_delete,
         name="routing_user_group_delete"),
    path("routing/desks/", views.desk_list, name="routing_desk_list"),
    path("routing/desks/new/", views.desk_create, name="routing_desk_create"),
    path("routing/desks/<int:desk_id>/", views.desk_edit, name="routing_desk_edit"),
    path("routing/desks/<int:desk_id>/delete/", views.desk_delete, name="routing_desk_delete"),
    path("routing/agents/", views.agent_list, name="routing_agent_list"),
    path("routing/agents/<int:user_id>/", views.agent_edit, name="routing_agent_edit"),
    path("routing/breaks/new/", views.break_create, name="routing_break_create"),
    path("routing/breaks/<int:break_id>/delete/", views.break_delete,
         name="routing_break_delete"),
    path("routing/object-lists/", views.object_list_list, name="routing_object_list_list"),
    path("routing/object-lists/new/", views.object_list_create,
         name="routing_object_list_create"),
    path("routing/object-lists/<int:object_list_id>/", views.object_list_edit,
         name="routing_object_list_edit"),
    path("routing/object-lists/<int:object_list_id>/delete/", views.object_list_delete,
         name="routing_object_list_delete"),
    path("campaigns/<int:campaign_id>/users/", views.campaign_users,
         name="routing_campaign_users"),
]

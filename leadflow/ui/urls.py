from django.contrib.auth import views as auth_views
from django.urls import include, path

from leadflow.ui import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="ui/login.html",
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspace/", views.workspace, name="workspace"),
    path("", include("leadflow.campaigns.urls")),
    path("", include("leadflow.statuses.urls")),
    path("", include("leadflow.rules.urls")),
    path("", include("leadflow.dialing.urls")),
    path("", include("leadflow.leads.urls")),
    path("", include("leadflow.crm.urls")),
    path("tenant/", include("leadflow.tenants.urls")),
    path("", include("leadflow.routing.urls")),
    path("", include("leadflow.stats.urls")),
]

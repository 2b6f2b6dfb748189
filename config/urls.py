from django.urls import include, path

from leadflow.api.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("leadflow.ui.urls")),
]

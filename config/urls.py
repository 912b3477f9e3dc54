from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("proposals/", include("proposals.urls")),
    path("welfare/", include("welfare.urls")),
    path("org/", include("org.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("config.page_urls")),
]

handler400 = "config.inputs.bad_request_page"

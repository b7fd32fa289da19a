from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from vardlots.core import views as core_views

urlpatterns = [
    path("", include("vardlots.core.urls")),
    path("konto/", include("vardlots.accounts.urls")),
    path("logg/", include("vardlots.audit.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

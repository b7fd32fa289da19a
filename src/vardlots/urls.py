from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from vardlots.api import api
from vardlots.core import views as core_views

urlpatterns = [
    path("", include("vardlots.core.urls")),
    path("konto/", include("vardlots.accounts.urls")),
    path("sok-vard/", include("vardlots.intake.urls")),
    path("logg/", include("vardlots.audit.urls")),
    path("hitta-vard/", include("vardlots.directory.urls")),
    path("bokning/", include("vardlots.booking.urls")),
    path("", include("vardlots.cases.urls")),
    path("", include("vardlots.chat.urls")),
    path("", include("vardlots.telephony.urls")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

from django.urls import path

from vardlots.accounts import oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.resident_home, name="resident_home"),
    path("logga-in", views.resident_login, name="resident_login"),
    path("logga-in/vantar", views.resident_login_pending, name="resident_login_pending"),
    path("logga-in/status", views.resident_login_status, name="resident_login_status"),
    path("logga-in/avbryt", views.resident_login_cancel, name="resident_login_cancel"),
    path("logga-in/test-app", views.resident_test_identify, name="resident_test_identify"),
    path("logga-ut", views.resident_logout, name="resident_logout"),
    path("agera-for", views.resident_act_for, name="resident_act_for"),
    path("agera-for/sluta", views.resident_act_for_stop, name="resident_act_for_stop"),
    path("personal/", views.staff_home, name="staff_home"),
    path("personal/logga-in", views.staff_login, name="staff_login"),
    path("personal/kod", views.staff_totp, name="staff_totp"),
    path("personal/logga-ut", views.staff_logout, name="staff_logout"),
    path("personal/invanare", views.staff_resident, name="staff_resident"),
    path("personal/siths/start", oidc_views.oidc_start, name="staff_oidc_start"),
    path("personal/siths/callback", oidc_views.oidc_callback, name="staff_oidc_callback"),
]

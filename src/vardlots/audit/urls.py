from django.urls import path

from vardlots.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.resident_log, name="resident_log"),
]

from django.urls import path

from vardlots.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.find_care, name="find_care"),
    path("enhet/<str:hsa_id>/", views.unit_page, name="unit"),
]

from django.urls import path

from vardlots.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.start, name="start"),
    path("borja", views.begin, name="begin"),
    path("<uuid:session_id>/", views.question, name="question"),
    path("<uuid:session_id>/tillbaka", views.back, name="back"),
    path("<uuid:session_id>/resultat", views.outcome, name="outcome"),
]

from django.urls import path

from vardlots.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.start, name="start"),
    path("borja", views.begin, name="begin"),
    path("administrativ-fraga", views.admin_question, name="admin_question"),
    path("<uuid:session_id>/", views.question, name="question"),
    path("<uuid:session_id>/tillbaka", views.back, name="back"),
    path("<uuid:session_id>/resultat", views.outcome, name="outcome"),
    path("<uuid:session_id>/kontakt", views.contact, name="contact"),
    path("<uuid:session_id>/bilder", views.upload_photo, name="upload_photo"),
    path("<uuid:session_id>/bilder/<uuid:photo_id>/ta-bort", views.remove_photo, name="remove_photo"),
    path("<uuid:session_id>/bilder/<uuid:photo_id>/<str:size>", views.photo, name="photo"),
]

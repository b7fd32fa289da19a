from django.urls import path

from vardlots.cases import views

app_name = "cases"

urlpatterns = [
    path("arenden/", views.resident_cases, name="resident_cases"),
    path("arenden/<int:case_id>/", views.resident_case, name="resident_case"),
    path("arenden/<int:case_id>/ateroppna", views.resident_reopen, name="resident_reopen"),
    path("personal/arenden/", views.staff_queues, name="staff_queues"),
    path("personal/arenden/ko/<int:queue_id>/ta-nasta", views.staff_claim_next, name="staff_claim_next"),
    path("personal/arenden/<int:case_id>/", views.staff_case, name="staff_case"),
    path("arenden/<int:case_id>/dokument/<int:document_id>", views.resident_document, name="resident_document"),
    path("personal/mallar/", views.staff_phrase_templates, name="staff_phrase_templates"),
    path("personal/arenden/<int:case_id>/dokument", views.staff_attach_document, name="staff_attach_document"),
    path("personal/arenden/<int:case_id>/dokument/<int:document_id>", views.staff_document,
         name="staff_document"),
    path("personal/arenden/<int:case_id>/foton/<uuid:photo_id>/<str:size>", views.staff_photo, name="staff_photo"),
    path("personal/arenden/<int:case_id>/tidigare", views.staff_earlier, name="staff_earlier"),
    path("personal/arenden/<int:case_id>/mallar", views.staff_case_templates, name="staff_templates"),
    path("personal/arenden/<int:case_id>/<slug:action>", views.staff_case_action, name="staff_case_action"),
]

from django.urls import path

from vardlots.telephony import views

app_name = "telephony"

urlpatterns = [
    path("personal/telefon/", views.workspace, name="workspace"),
    path("personal/telefon/nytt-samtal", views.start_call, name="start_call"),
    path("personal/telefon/samtal/<int:call_id>/", views.call_page, name="call"),
    path("personal/telefon/samtal/<int:call_id>/<slug:action>", views.call_action, name="call_action"),
    path("personal/telefon/aterringning/", views.callback_list, name="callbacks"),
    path("personal/telefon/aterringning/publicera", views.publish_capacity, name="publish_capacity"),
    path("personal/telefon/aterringning/<int:callback_id>/<slug:action>", views.callback_action,
         name="callback_action"),
    path("personal/telefon/ovning/", views.training, name="training"),
    path("personal/telefon/ovning/resultat/", views.training_scores, name="scores"),
    path("telefon/", views.resident_page, name="resident"),
    path("telefon/aterringning/<int:callback_id>/avboka", views.resident_cancel_callback,
         name="resident_cancel_callback"),
]

from django.urls import path

from vardlots.chat import views

app_name = "chat"

urlpatterns = [
    path("arenden/<int:case_id>/meddelanden", views.messages_view, name="messages"),
    path("arenden/<int:case_id>/meddelanden/aldre", views.older_view, name="older"),
]

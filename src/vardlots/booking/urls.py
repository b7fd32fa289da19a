from django.urls import path

from vardlots.booking import views

app_name = "booking"

urlpatterns = [
    path("", views.my_appointments, name="home"),
    path("enhet/<str:hsa_id>/", views.unit_slots, name="unit_slots"),
    path("boka/<int:slot_id>", views.book, name="book"),
    path("tid/<int:pk>/", views.appointment, name="appointment"),
    path("tid/<int:pk>/avboka", views.cancel, name="cancel"),
    path("tid/<int:pk>/kalender.ics", views.ics, name="ics"),
    path("personal/", views.staff_book, name="staff_book"),
]

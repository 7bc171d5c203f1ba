from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    # The booking flow: visit type and place, then provider and time, then details.
    path("book/", views.book, name="book"),
    path("book/time/", views.book_time, name="book_time"),
    path("book/details/", views.book_details, name="book_details"),
    path("book/confirmed/", views.book_confirmed, name="book_confirmed"),
    path("book/<slug:service_slug>/", views.book, name="book_service"),
    # The patient's own booking, from the link in their email.
    path("appointments/manage/<str:token>/", views.manage, name="manage"),
    path("appointments/manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("appointments/manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path("telehealth/", views.telehealth, name="telehealth"),
]

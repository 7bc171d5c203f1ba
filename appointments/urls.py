from django.urls import path

from appointments import telehealth_views, views

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
    # Video visits explained, and a request for a call back to arrange one.
    path("telehealth/", telehealth_views.telehealth, name="telehealth"),
    path("telehealth/request/", telehealth_views.telehealth_request, name="telehealth_request"),
    path("telehealth/request/sent/", telehealth_views.telehealth_request_sent, name="telehealth_request_sent"),
]

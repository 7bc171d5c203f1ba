from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/<slug:service_slug>/", views.book, name="book_service"),
    path("telehealth/", views.telehealth, name="telehealth"),
]

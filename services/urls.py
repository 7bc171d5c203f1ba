from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("services/", views.service_list, name="list"),
    path("services/<slug:slug>/", views.service_detail, name="detail"),
    path("conditions/", views.condition_list, name="conditions"),
    path("conditions/<slug:slug>/", views.condition_detail, name="condition"),
]

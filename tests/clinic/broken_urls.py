"""A URL whose view fails with an error that is not the database's, for test_outage."""

from django.urls import path

from clinic.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *site_urlpatterns]
handler500 = "clinic.errors.server_error"

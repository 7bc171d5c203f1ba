import re
from datetime import date

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path, register_converter

from clinic import seams, views
from clinic.sitemaps import LegalNoticeSitemap, NoticeSitemap, StaticPageSitemap, TeamSitemap


class DayConverter:
    """A day in a web address, as 2026-01-31. A date that does not exist (2026-02-30) matches no page."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None

    def to_url(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(DayConverter, "day")

# The apps add sitemaps of their own through clinic.seams; the project package imports neither app.
SITEMAPS = {
    "pages": StaticPageSitemap,
    "team": TeamSitemap,
    "notices": NoticeSitemap,
    "legal": LegalNoticeSitemap,
    **seams.app_sitemaps(),
}

clinic_patterns = (
    [
        path("", views.home, name="home"),
        path("hours/", views.hours, name="hours"),
        path("notices/<slug:slug>/", views.notice, name="notice"),
        path("team/", views.team, name="team"),
        # The notices the law requires, and each earlier version by the day it took effect.
        path("legal/", views.legal_notices, name="legal_notices"),
        path("legal/<slug:slug>/", views.legal_notice, name="legal_notice"),
        path("legal/<slug:slug>/<day:day>/", views.legal_notice, name="legal_notice_on"),
    ],
    "clinic",
)

urlpatterns = [
    path("", include(clinic_patterns)),
    path("", include("services.urls")),
    path("", include("appointments.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # Uploaded pictures when nothing serves them in front of the app; nginx answers /media/ itself in production.
    re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", views.media, name="media"),
]
handler500 = "clinic.errors.server_error"

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import seams, views
from clinic.sitemaps import NoticeSitemap, StaticPageSitemap, TeamSitemap

# The apps add sitemaps of their own through clinic.seams; the project package imports neither app.
SITEMAPS = {"pages": StaticPageSitemap, "team": TeamSitemap, "notices": NoticeSitemap, **seams.app_sitemaps()}

clinic_patterns = (
    [
        path("", views.home, name="home"),
        path("hours/", views.hours, name="hours"),
        path("notices/<slug:slug>/", views.notice, name="notice"),
        path("team/", views.team, name="team"),
        # Notices the law requires (issue 13: under construction).
        path("legal/", views.under_construction, name="legal_notices"),
        path("legal/<slug:slug>/", views.under_construction, name="legal_notice"),
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
]

if settings.DEBUG:
    # Provider photos during development; in production the web server serves /media/.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
handler500 = "clinic.errors.server_error"

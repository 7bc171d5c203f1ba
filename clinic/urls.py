from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.sitemaps import NoticeSitemap, StaticPageSitemap

SITEMAPS = {"pages": StaticPageSitemap, "notices": NoticeSitemap}

clinic_patterns = (
    [
        path("", views.home, name="home"),
        path("hours/", views.hours, name="hours"),
        path("notices/<slug:slug>/", views.notice, name="notice"),
    ],
    "clinic",
)

urlpatterns = [
    path("", include(clinic_patterns)),
    path("", include("appointments.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

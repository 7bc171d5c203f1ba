from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from clinic.models import Announcement, HolidayHours, LegalNotice, Practice, Provider
from clinic.models.legal import practice_today


class StaticPageSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["clinic:home", "clinic:hours"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        # The hours page changes whenever the practice or its holiday hours do.
        stamps = [row.updated_at for row in (Practice.load(), HolidayHours.objects.order_by("-updated_at").first()) if row]
        return max(stamps) if stamps else None


class NoticeSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Announcement.objects.live()

    def lastmod(self, announcement):
        return announcement.updated_at


class TeamSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return ["clinic:team"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        latest = Provider.objects.order_by("-updated_at").first()
        return latest.updated_at if latest else None


class LegalNoticeSitemap(Sitemap):
    """The notices the law requires, as they read today (earlier versions are reached from each page)."""

    changefreq = "monthly"

    def items(self):
        today = practice_today()
        return [notice for notice in LegalNotice.objects.order_by("pk") if notice.version_on(today) is not None]

    def lastmod(self, notice):
        return notice.version_on(practice_today()).created_at

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from services.models import Condition, Service


class ServiceSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Service.objects.published()

    def lastmod(self, service):
        return service.updated_at


class ConditionSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Condition.objects.published()

    def lastmod(self, condition):
        return condition.updated_at


class IndexSitemap(Sitemap):
    """The treatment and condition lists, which change whenever a page in them does."""

    changefreq = "monthly"

    def items(self):
        return [("services:list", Service), ("services:conditions", Condition)]

    def location(self, item):
        return reverse(item[0])

    def lastmod(self, item):
        # Drafts count too: unpublishing a page changes the list.
        latest = item[1].objects.order_by("-updated_at").first()
        return latest.updated_at if latest else None

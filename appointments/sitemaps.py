from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from appointments.models import TelehealthPage
from clinic.models import Provider


class BookingSitemap(Sitemap):
    """Online booking, the telehealth page and insurance and prices; handed to the root URLconf through clinic.seams."""

    changefreq = "weekly"

    def items(self):
        return ["appointments:book", "appointments:telehealth", "appointments:insurance"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        page = TelehealthPage.load() if item == "appointments:telehealth" else None
        return page.updated_at if page else None


class ProviderSitemap(Sitemap):
    """Each active provider's own page."""

    changefreq = "monthly"

    def items(self):
        return Provider.objects.active()

    def location(self, provider):
        return reverse("appointments:provider", args=[provider.slug])

    def lastmod(self, provider):
        return provider.updated_at

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from clinic.content import load_site_content
from clinic.structured_data import medical_clinic


class PageContext:
    """What base.html needs about the practice, evaluated at this request's time."""

    def __init__(self, request):
        self.site_url = request.build_absolute_uri("/")
        self.canonical_url = request.build_absolute_uri(request.path)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.content = load_site_content()
        self.practice = self.content.practice

    @property
    def announcements(self):
        return self.content.live_announcements(self.now)

    @property
    def this_week(self):
        return self.content.hours.days(self.today, 7)

    @property
    def holidays_soon(self):
        return self.content.holidays_to_mention(self.today)

    @property
    def json_ld(self):
        return medical_clinic(self.practice, self.content.hours, self.today, self.site_url)


def page_context(request) -> PageContext:
    """One PageContext per request, shared by the view and the templates."""
    if not hasattr(request, "_page_context"):
        request._page_context = PageContext(request)
    return request._page_context


def site_content(request):
    # Lazy, so pages that never show the practice (the admin) never load it.
    return {"site": SimpleLazyObject(lambda: page_context(request))}

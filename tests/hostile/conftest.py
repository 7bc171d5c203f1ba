"""The demo practice for the hostile-input tests, with the limits that are tested elsewhere out of the way."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.hostile import profiles  # noqa: F401  registers and loads the Hypothesis profiles


@dataclass(frozen=True)
class DemoSite:
    service_slugs: list[str]
    condition_slugs: list[str]
    notice_slugs: list[str]
    visit_slugs: list[str]
    provider_ids: list[str]
    free_starts: list[str]  # free times of the follow-up visit, as the time buttons send them

    def _repr_pretty_(self, printer, cycle):  # short, in Hypothesis's report of a failing example
        printer.text(f"<DemoSite: {len(self.free_starts)} free times from {self.free_starts[0]}>")


@pytest.fixture
def demo_site(demo, settings):
    """The demo practice, with the per-address post limit out of the way (tested in
    tests/appointments/test_abuse.py) and emails kept in memory."""
    from appointments.forms.booking import start_value
    from appointments.loader import load_slots, providers_for
    from appointments.models import Appointment, VisitType
    from clinic.models import Announcement
    from services.models import Condition, Service

    settings.BOOKING_RATE_LIMIT = 10**9
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    follow_up = VisitType.objects.get(slug="follow-up-visit")
    now = timezone.now()
    slots = load_slots(
        follow_up, providers_for(follow_up, Appointment.Modality.IN_OFFICE), timezone.localdate(now) + timedelta(days=3), 21, now,
        merge=True,
    )
    assert len(slots) > 50, "the demo practice has free times to book"
    return DemoSite(
        service_slugs=list(Service.objects.published().values_list("slug", flat=True)),
        condition_slugs=list(Condition.objects.published().values_list("slug", flat=True)),
        notice_slugs=[notice.slug for notice in Announcement.objects.all() if notice.is_live()],
        visit_slugs=list(VisitType.objects.values_list("slug", flat=True)),
        provider_ids=[str(pk) for pk in follow_up.providers.values_list("pk", flat=True)],
        free_starts=[start_value(slot.starts_at) for slot in slots],
    )

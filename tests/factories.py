"""Small factory functions: each makes one valid row, with keyword overrides."""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.models import Announcement, HolidayHours, OfficeHours, Practice

PASSWORD = "a-long-test-password-42"


def make_practice(**overrides):
    fields = {
        "name": "Test Spine Practice",
        "specialties": "Physical Medicine & Rehabilitation and Pain Medicine Specialists located in Gaithersburg, MD",
        "phone": "+13015550142",
        "email": "desk@practice.example",
        "street_address": "1 Test Street",
        "city": "Gaithersburg",
        "state": "MD",
        "postal_code": "20878",
        "directions_url": "https://maps.example/directions",
    }
    fields.update(overrides)
    return Practice.objects.create(**fields)


def make_office_hours(practice, weekdays=range(5), blocks=((time(9), time(12)), (time(13), time(17)))):
    return [
        OfficeHours.objects.create(practice=practice, weekday=weekday, opens=opens, closes=closes)
        for weekday in weekdays
        for opens, closes in blocks
    ]


def make_holiday(**overrides):
    today = timezone.localdate()
    fields = {"label": "Test Holiday", "first_day": today + timedelta(days=3), "is_closed": True}
    fields.update(overrides)
    fields.setdefault("last_day", fields["first_day"])
    return HolidayHours.objects.create(**fields)


_slugs = iter(range(1, 10**6))


def make_announcement(**overrides):
    number = next(_slugs)
    fields = {
        "title": f"Notice {number}",
        "slug": f"notice-{number}",
        "kind": Announcement.Kind.GENERAL,
        "message": f"Message of notice {number}.",
        "starts_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(overrides)
    return Announcement.objects.create(**fields)


def make_staff(username="staff", group=None, superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_provider(**overrides):
    from clinic.models import Provider

    number = next(_slugs)
    fields = {"name": f"Pat Provider {number}", "slug": f"provider-{number}", "credentials": "MD", "role": "Physician"}
    fields.update(overrides)
    return Provider.objects.create(**fields)


def make_condition(**overrides):
    from services.models import Condition

    number = next(_slugs)
    fields = {"name": f"Condition {number}", "slug": f"condition-{number}", "summary": f"Summary of condition {number}."}
    fields.update(overrides)
    return Condition.objects.create(**fields)


def make_service(**overrides):
    from services.models import Service

    number = next(_slugs)
    fields = {
        "title": f"Treatment {number}",
        "slug": f"treatment-{number}",
        "summary": f"Summary of treatment {number}.",
        "intro": f"<p>Introduction to treatment {number}.</p>",
        "is_published": True,
    }
    fields.update(overrides)
    return Service.objects.create(**fields)


def make_question(service, **overrides):
    from services.models import Question

    number = next(_slugs)
    fields = {"question": f"Question {number}?", "slug": f"question-{number}", "answer": f"<p>Answer {number}.</p>", "order": number}
    fields.update(overrides)
    return Question.objects.create(service=service, **fields)


def make_visit_type(providers=(), **overrides):
    from appointments.models import VisitType

    number = next(_slugs)
    fields = {"name": f"Visit {number}", "slug": f"visit-{number}", "duration_minutes": 30, "in_office": True, "by_video": True}
    fields.update(overrides)
    visit_type = VisitType.objects.create(**fields)
    visit_type.providers.set(providers)
    return visit_type


def make_working_hours(provider, weekdays=range(5), blocks=((time(9), time(17)),)):
    from appointments.models import WorkingHours

    return [
        WorkingHours.objects.create(provider=provider, weekday=weekday, starts=starts, ends=ends)
        for weekday in weekdays
        for starts, ends in blocks
    ]


def make_appointment(**overrides):
    """An appointment saved directly (no availability check), by default confirmed, three days ahead at 10:00 Eastern."""
    from datetime import datetime

    from appointments.models import Appointment
    from clinic.hours import PRACTICE_TIME_ZONE

    number = next(_slugs)
    if "visit_type" not in overrides:
        overrides["visit_type"] = make_visit_type(providers=[overrides.get("provider") or make_provider()])
    if "provider" not in overrides:
        overrides["provider"] = overrides["visit_type"].providers.first() or make_provider()
    fields = {
        "starts_at": datetime.combine(timezone.localdate() + timedelta(days=3), time(10), tzinfo=PRACTICE_TIME_ZONE),
        "status": Appointment.Status.CONFIRMED,
        "first_name": "Jordan",
        "last_name": f"Patient{number}",
        "date_of_birth": datetime(1960, 4, 12).date(),
        "phone": "+13015550199",
        "email": f"patient{number}@example.com",
        "is_new_patient": False,
    }
    fields.update(overrides)
    fields.setdefault("ends_at", fields["starts_at"] + fields["visit_type"].duration)
    return Appointment.objects.create(**fields)


def set_booking_settings(**fields):
    """Change the booking settings as staff do in the admin: saved, so every cached copy is replaced."""
    from appointments.models import BookingSettings

    booking_settings = BookingSettings.load(fresh=True)
    for name, value in fields.items():
        setattr(booking_settings, name, value)
    booking_settings.save()
    return booking_settings

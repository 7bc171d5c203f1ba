"""Demo schedules and visit types for the demo providers."""

from datetime import time

from appointments.models import BookingSettings, VisitType, WorkingHours
from clinic.models import Provider
from services.models import Service

FULL_DAY = [(time(8, 30), time(12, 30)), (time(13, 30), time(17, 0))]
WORKING_HOURS = {
    "dana-whitfield": {0: FULL_DAY, 1: FULL_DAY, 3: FULL_DAY, 4: [(time(8, 30), time(14, 0))]},
    "marcus-ellery": {0: FULL_DAY, 2: FULL_DAY, 3: FULL_DAY, 4: [(time(8, 30), time(14, 0))]},
    "priya-raman": {1: FULL_DAY, 2: FULL_DAY, 3: [(time(13, 30), time(17, 0))], 4: [(time(8, 30), time(14, 0))]},
}

VISIT_TYPES = [
    {
        "slug": "new-patient-consultation",
        "name": "New patient consultation",
        "description": "A first, unhurried visit to understand your pain and agree a plan.",
        "duration_minutes": 45,
        "in_office": True,
        "by_video": True,
        "new_patients_only": True,
        "order": 1,
        "providers": ["dana-whitfield", "marcus-ellery"],
        "service": None,
    },
    {
        "slug": "follow-up-visit",
        "name": "Follow-up visit",
        "description": "See how your treatment is going and adjust the plan.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": True,
        "new_patients_only": False,
        "order": 2,
        "providers": ["dana-whitfield", "marcus-ellery", "priya-raman"],
        "service": None,
    },
    {
        "slug": "dry-needling-session",
        "name": "Dry needling session",
        "description": "Dry needling of your trigger points, in the office.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": False,
        "new_patients_only": False,
        "order": 3,
        "providers": ["dana-whitfield", "priya-raman"],
        "service": "dry-needling",
    },
    {
        "slug": "trigger-point-injection",
        "name": "Trigger point injection",
        "description": "Trigger point injections, in the office.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": False,
        "new_patients_only": False,
        "order": 4,
        "providers": ["dana-whitfield", "marcus-ellery"],
        "service": "trigger-point-injections",
    },
]


def load_demo_booking():
    """Create what is missing; never change what staff edited."""
    BookingSettings.load()
    providers = {provider.slug: provider for provider in Provider.objects.filter(slug__in=WORKING_HOURS)}
    for slug, days in WORKING_HOURS.items():
        provider = providers.get(slug)
        if provider is None or provider.working_hours.exists():
            continue
        WorkingHours.objects.bulk_create(
            WorkingHours(provider=provider, weekday=weekday, starts=starts, ends=ends)
            for weekday, blocks in days.items()
            for starts, ends in blocks
        )
    for fields in VISIT_TYPES:
        fields = dict(fields)
        provider_slugs = fields.pop("providers")
        service_slug = fields.pop("service")
        fields["service"] = Service.objects.filter(slug=service_slug).first() if service_slug else None
        visit_type, created = VisitType.objects.get_or_create(slug=fields["slug"], defaults=fields)
        if created:
            visit_type.providers.set([providers[slug] for slug in provider_slugs if slug in providers])

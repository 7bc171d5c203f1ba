from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinic import demo, seams
from clinic.content import forget_site_content
from clinic.models import Announcement, HolidayHours, OfficeHours, Practice, Provider, ProviderLicence
from clinic.roles import CONTENT_EDITORS, FRONT_DESK

DEMO_PASSWORD = "demo-clinic-2026"  # noqa: S105  published demo sign-in, only with --demo-logins (local trials)
DEMO_LOGINS = [
    ("admin", None, True),
    ("editor", CONTENT_EDITORS, False),
    ("frontdesk", FRONT_DESK, False),
]


class Command(BaseCommand):
    help = (
        "Load the demo practice: details, office hours, upcoming holiday hours and live announcements. "
        "Safe to run again: it only adds what is missing and never changes what staff edited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-logins",
            action="store_true",
            help=f"Also create staff logins admin, editor and frontdesk with the password {DEMO_PASSWORD!r}. "
            "For local trials only, never on a public server.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.localdate()
        practice, created = Practice.objects.get_or_create(pk=1, defaults=demo.PRACTICE)
        if not practice.office_hours.exists():
            OfficeHours.objects.bulk_create(
                OfficeHours(practice=practice, weekday=weekday, opens=block.opens, closes=block.closes)
                for weekday, blocks in demo.WEEKLY_HOURS.items()
                for block in blocks
            )
        added_holidays = 0
        for label, day, special, note in demo.upcoming_demo_holidays(today):
            if HolidayHours.objects.filter(first_day__lte=day, last_day__gte=day).exists():
                continue
            HolidayHours.objects.create(
                label=label,
                first_day=day,
                last_day=day,
                is_closed=special is None,
                opens=special.opens if special else None,
                closes=special.closes if special else None,
                note=note,
            )
            added_holidays += 1
        for fields in demo.PROVIDERS:
            provider, _ = Provider.objects.get_or_create(slug=fields["slug"], defaults=fields)
            if not provider.licences.exists():
                ProviderLicence.objects.bulk_create(
                    ProviderLicence(provider=provider, state=state, licence_type=licence_type)
                    for state, licence_type in demo.LICENCES.get(provider.slug, ())
                )
        added_announcements = 0
        for fields in demo.ANNOUNCEMENTS:
            _, made = Announcement.objects.get_or_create(
                slug=fields["slug"], defaults={**fields, "starts_at": timezone.now() - timedelta(days=1)}
            )
            added_announcements += made
        # Each app brings demo content of its own (clinic imports neither app: see clinic.seams).
        seams.load_demo(today)
        # Bulk inserts bypass the signals that clear the page cache.
        forget_site_content()
        if options["verbosity"]:
            self.stdout.write(
                f"Demo practice {'created' if created else 'already there'}; "
                f"{added_holidays} holiday hours and {added_announcements} announcements added."
            )
        if options["demo_logins"]:
            self.create_demo_logins()

    def create_demo_logins(self):
        User = get_user_model()
        for username, group_name, is_superuser in DEMO_LOGINS:
            user, made = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save()
                if group_name:
                    user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff sign-in at /admin/: admin (everything), editor (content editor) or "
                f"frontdesk (front desk), password {DEMO_PASSWORD}"
            )
        )

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from clinic import demo, demo_images, demo_legal, seams
from clinic.content import forget_site_content
from clinic.models import (
    Announcement,
    HolidayHours,
    LanguageTagline,
    LegalNotice,
    LegalNoticeVersion,
    OfficeHours,
    Practice,
    Provider,
    ProviderLicence,
)
from clinic.roles import CLINICIANS, CONTENT_EDITORS, FRONT_DESK

DEMO_PASSWORD = "demo-clinic-2026"  # noqa: S105  published demo sign-in, only with --demo-logins (local trials)
DEMO_LOGINS = [
    ("admin", None, True),
    ("editor", CONTENT_EDITORS, False),
    ("frontdesk", FRONT_DESK, False),
    ("clinician", CLINICIANS, False),
]
# The demo clinician's sign-in is linked to this provider: they see her schedule and her patients' intake.
DEMO_CLINICIAN = ("clinician", "dana-whitfield")


class Command(BaseCommand):
    help = (
        "Load the demo practice: details, office hours, upcoming holiday hours and live announcements. "
        "Safe to run again: it only adds what is missing and never changes what staff edited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-logins",
            action="store_true",
            help=f"Also create staff logins admin, editor, frontdesk and clinician (linked to Dana Whitfield) with the "
            f"password {DEMO_PASSWORD!r}. "
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
        self.add_demo_pictures(practice)
        added_announcements = 0
        for fields in demo.ANNOUNCEMENTS:
            _, made = Announcement.objects.get_or_create(
                slug=fields["slug"], defaults={**fields, "starts_at": timezone.now() - timedelta(days=1)}
            )
            added_announcements += made
        added_notices = self.load_legal_notices(practice, today)
        # Each app brings demo content of its own (clinic imports neither app: see clinic.seams).
        seams.load_demo(today)
        # Bulk inserts bypass the signals that clear the page cache.
        forget_site_content()
        if options["verbosity"]:
            self.stdout.write(
                f"Demo practice {'created' if created else 'already there'}; "
                f"{added_holidays} holiday hours, {added_announcements} announcements and {added_notices} legal notices added."
            )
        if options["demo_logins"]:
            self.create_demo_logins()

    def add_demo_pictures(self, practice):
        """The pictures drawn for the demo (clinic.demo_images) where the practice or a demo clinician has
        none, handed over as uploads: checked, sized and stored as staff uploads are."""

        def upload(name, data):
            return SimpleUploadedFile(name, data, content_type="image/png")

        if not practice.logo or not practice.office_photo:
            if not practice.logo:
                practice.logo = upload("logo.png", demo_images.logo(practice.brand_colour))
                practice.logo_alt = practice.logo_alt or f"{practice.name} logo"
            if not practice.office_photo:
                practice.office_photo = upload("office.png", demo_images.office(practice.brand_colour))
                practice.office_photo_alt = practice.office_photo_alt or demo_images.OFFICE_DESCRIPTION
            practice.full_clean()
            practice.save()
        for provider in Provider.objects.filter(slug__in=demo_images.LOOKS, photo=""):
            provider.photo = upload(f"{provider.slug}.png", demo_images.portrait(provider.slug))
            provider.photo_alt = provider.photo_alt or demo_images.DESCRIPTIONS[provider.slug]
            provider.full_clean()
            provider.save()

    def load_legal_notices(self, practice, today):
        """The six notices (each with a first version, the privacy notice with two), where missing,
        written for the practice's own details; the language taglines if there are none at all."""
        details = {
            "name": escape(practice.name),
            "phone": escape(practice.phone_display),
            "email": escape(practice.email),
            "address": escape(", ".join(practice.address_lines)),
        }
        this_year = date(today.year, 1, 1)
        added = 0
        for fields in demo_legal.NOTICES:
            fields = dict(fields)
            body = fields.pop("body").format(**details) + demo_legal.SAMPLE_NOTE
            notice, made = LegalNotice.objects.get_or_create(slug=fields["slug"], defaults=fields)
            added += made
            if notice.versions.exists():
                continue
            if notice.slug == LegalNotice.Kind.PRIVACY_PRACTICES:
                earlier = body.replace("on paper or electronically", "on paper")
                LegalNoticeVersion.objects.create(
                    notice=notice, effective_date=date(today.year - 1, 1, 1), body=earlier,
                    change_summary=demo_legal.EARLIER_NPP_SUMMARY,
                )
                LegalNoticeVersion.objects.create(
                    notice=notice, effective_date=this_year, body=body, change_summary=demo_legal.CURRENT_NPP_SUMMARY
                )
            else:
                LegalNoticeVersion.objects.create(
                    notice=notice, effective_date=this_year, body=body, change_summary="First version"
                )
        if not LanguageTagline.objects.exists():
            LanguageTagline.objects.bulk_create(
                LanguageTagline(language=language, native_name=native, lang=lang, text=text, order=order)
                for order, (language, native, lang, text) in enumerate(demo_legal.TAGLINES, start=1)
            )
        return added

    def create_demo_logins(self):
        User = get_user_model()
        for username, group_name, is_superuser in DEMO_LOGINS:
            user, made = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save()
                # The Clinicians group comes with the appointments app's migrations.
                group = Group.objects.filter(name=group_name).first() if group_name else None
                if group is not None:
                    user.groups.add(group)
        username, provider_slug = DEMO_CLINICIAN
        clinician = User.objects.filter(username=username, provider__isnull=True).first()
        if clinician is not None:
            Provider.objects.filter(slug=provider_slug, staff_user__isnull=True).update(staff_user=clinician)
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff sign-in at /admin/: admin (everything), editor (content editor), frontdesk (front desk) or "
                f"clinician (Dana Whitfield's schedule and patients' intake), password {DEMO_PASSWORD}"
            )
        )

"""Fill a database with a busy practice's years, for `make bench` (bench/front_desk.py): by default
50,000 appointments over 5 years (4 past, 1 ahead) for 10 providers and 20,000 patients.

Made with bulk inserts, so it takes seconds, not hours: the rows skip `appointments.booking`
(no emails, no availability checks) and are placed so that no provider has two visits at once
(each provider's weekdays cut into visit-long slots, each slot used at most once), which the
database's no-overlap rule checks anyway. Invented people only: never run it on a real practice's
database (it refuses when it finds appointments not made by it, unless told `--add`).
"""

import random
from datetime import time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, BookingSettings, Intake, Patient, VisitType, WorkingHours, new_reference
from clinic import encryption
from appointments.models.patient import digits_of, search_name_of
from clinic.hours import at_wall_clock
from clinic.models import Provider

FIRST_NAMES = [
    "Sofía", "José", "Zoé", "Renée", "Ana", "Maria", "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael",
    "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Karen",
    "Chloë", "Björn", "François", "Noémie", "Ángel", "Lucía", "Wei", "Aiko", "Olusegun", "Priya", "Mohammed", "Fatima",
]
LAST_NAMES = [
    "Núñez", "García", "Müller", "O'Brien", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
    "Rodríguez", "Martínez", "Hernández", "López", "González", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramírez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
]
AREA_CODES = ["301", "240", "202", "410", "703", "571"]
VISIT_MINUTES = 30
DAY_STARTS, DAY_ENDS = time(9), time(17)
BATCH = 2000
# Of the visits whose intake answers are still kept (from the retention time ago on): how many have
# forms, and of those how many wait for a clinician.
WITH_FORMS, NEEDING_REVIEW = 0.7, 0.1
# A new patient's answers, as the forms store them: every visit's sealed copy is this size.
SAMPLE_ANSWERS = {
    "contacts": {"address": "12 Quince Lane", "city": "Gaithersburg", "state": "MD", "zip_code": "20877",
                 "emergency_name": "Sam Example", "emergency_relationship": "brother", "emergency_phone": "+13015550123"},
    "doctors": {"primary_care": "Dr Ada Example, Oak Clinic", "primary_care_phone": "", "referred_by": "", "may_share_reports": "yes"},
    "history": {"conditions": ["high_blood_pressure"], "surgeries": "Knee arthroscopy 2016", "other_conditions": ""},
    "medicines": {"medicines": "Lisinopril 10 mg", "blood_thinners": "no", "blood_thinner_names": "", "allergies": [],
                  "other_allergies": ""},
    "pregnancy-devices": {"pregnancy": "not_applicable", "devices": [], "device_details": ""},
    "pain": {"regions": ["low_back"], "strength": "6", "since": "3_12_months", "how_it_started": "Lifting", "better": "Heat",
             "worse": "Sitting"},
}


class Command(BaseCommand):
    help = "Create a busy practice's appointments, providers and patients quickly, for the front desk's benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--appointments", type=int, default=50_000)
        parser.add_argument("--patients", type=int, default=20_000)
        parser.add_argument("--providers", type=int, default=10)
        parser.add_argument("--years", type=int, default=5, help="Spread over this many years: all but the last in the past.")
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument("--add", action="store_true", help="Add to a database that has appointments already.")

    def handle(self, *args, **options):
        count, patient_count = options["appointments"], options["patients"]
        if min(count, patient_count, options["providers"], options["years"]) < 1:
            raise CommandError("Every number must be at least 1.")
        if Appointment.objects.exists() and not options["add"]:
            raise CommandError("This database has appointments already: use --add to add invented ones to it.")
        randomness = random.Random(options["seed"])  # noqa: S311 - invented data, repeatable by its seed
        with transaction.atomic():
            providers = self.providers(options["providers"])
            visit_type = self.visit_type(providers)
            patients = self.patients(patient_count, randomness)
            slots = self.slots(providers, options["years"], count, randomness)
            made = self.appointments(slots, patients, visit_type, randomness)
            forms = self.intakes(randomness)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # What autovacuum would do soon after: statistics for the planner, the visibility map for index-only
            # scans. (VACUUM cannot run inside a transaction, e.g. a test's: then autovacuum does it later.)
            with connection.cursor() as cursor:
                for table in (Patient._meta.db_table, Appointment._meta.db_table, Intake._meta.db_table):
                    cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(
            f"Created {made} appointments for {len(providers)} providers and {len(patients)} patients, {forms} with intake forms."
        )

    def providers(self, wanted):
        """The practice's providers, and invented ones up to `wanted`, each working weekdays 9 to 17."""
        providers = list(Provider.objects.order_by("pk")[:wanted])
        for number in range(len(providers) + 1, wanted + 1):
            providers.append(Provider.objects.create(
                name=f"Bench Provider {number}", slug=f"bench-provider-{number}", role="Physician", order=100 + number,
            ))
        for provider in providers:
            if not provider.working_hours.exists():
                WorkingHours.objects.bulk_create(
                    WorkingHours(provider=provider, weekday=weekday, starts=DAY_STARTS, ends=DAY_ENDS) for weekday in range(5)
                )
        return providers

    def visit_type(self, providers):
        visit_type, _ = VisitType.objects.get_or_create(
            slug="bench-follow-up", defaults={"name": "Bench follow-up", "duration_minutes": VISIT_MINUTES},
        )
        visit_type.providers.add(*providers)
        return visit_type

    def patients(self, count, randomness):
        today = timezone.localdate()
        rows, phones = [], set()
        for number in range(count):
            first, last = randomness.choice(FIRST_NAMES), randomness.choice(LAST_NAMES)
            phone = f"+1{randomness.choice(AREA_CODES)}{randomness.randint(2_000_000, 9_999_999)}"
            while phone in phones:
                phone = f"+1{randomness.choice(AREA_CODES)}{randomness.randint(2_000_000, 9_999_999)}"
            phones.add(phone)
            rows.append(Patient(
                first_name=first, last_name=last, date_of_birth=today - timedelta(days=randomness.randint(18 * 365, 95 * 365)),
                phone=phone, email=f"bench.patient{number}@example.com",
                search_name=search_name_of(first, last), phone_digits=digits_of(phone),
            ))
        return Patient.objects.bulk_create(rows, batch_size=BATCH)

    def slots(self, providers, years, count, randomness):
        """`count` different (provider, start) pairs on weekdays, visit-long apart and clear of the
        active appointments already there: never two visits of a provider at once."""
        today = timezone.localdate()
        first_day = today - timedelta(days=365 * (years - 1))
        weekdays = [day for day in (first_day + timedelta(days=offset) for offset in range(365 * years)) if day.weekday() < 5]
        per_day = (DAY_ENDS.hour - DAY_STARTS.hour) * 60 // VISIT_MINUTES
        busy = {}
        for provider_id, starts_at, ends_at in Appointment.objects.active().values_list("provider_id", "starts_at", "ends_at"):
            busy.setdefault((provider_id, timezone.localdate(starts_at)), []).append((starts_at, ends_at))
        slots = []
        per_provider = len(weekdays) * per_day
        for index in randomness.sample(range(per_provider * len(providers)), per_provider * len(providers)):
            provider_index, rest = divmod(index, per_provider)
            day_index, slot_index = divmod(rest, per_day)
            provider, day = providers[provider_index], weekdays[day_index]
            minutes = DAY_STARTS.hour * 60 + slot_index * VISIT_MINUTES
            starts_at = at_wall_clock(day, time(minutes // 60, minutes % 60))
            ends_at = starts_at + timedelta(minutes=VISIT_MINUTES)
            if any(start < ends_at and starts_at < end for start, end in busy.get((provider.pk, day), ())):
                continue
            slots.append((provider, starts_at))
            if len(slots) == count:
                return slots
        raise CommandError(f"At most {len(slots)} more appointments fit in {years} years for {len(providers)} providers.")

    def appointments(self, slots, patients, visit_type, randomness):
        now = timezone.now()
        references = set()
        rows = []
        for provider, starts_at in slots:
            patient = randomness.choice(patients)
            reference = new_reference()
            while reference in references:
                reference = new_reference()
            references.add(reference)
            rows.append(Appointment(
                reference=reference, patient=patient, provider=provider, visit_type=visit_type, starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=VISIT_MINUTES), status=self.status(starts_at < now, randomness),
                source=randomness.choice(Appointment.Source.values), first_name=patient.first_name,
                last_name=patient.last_name, date_of_birth=patient.date_of_birth, phone=patient.phone, email=patient.email,
                is_new_patient=False, consent_to_contact=True,
                cancelled_at=starts_at - timedelta(hours=randomness.choice([2, 30, 72])),
            ))
            if rows[-1].status != Appointment.Status.CANCELLED:
                rows[-1].cancelled_at = None
        Appointment.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def intakes(self, randomness):
        """Intake forms for the visits whose answers are still kept, sealed as the forms seal them
        (when there is a key: without one the forms are off, as on a site without INTAKE_KEYS)."""
        if not encryption.is_configured():
            return 0
        since = timezone.now() - timedelta(days=BookingSettings.load().intake_answers_kept_days)
        visits = Appointment.objects.filter(ends_at__gte=since, intake__isnull=True)
        sealed = encryption.seal(SAMPLE_ANSWERS)
        now = timezone.now()
        rows = []
        for appointment_id in visits.values_list("pk", flat=True).iterator():
            if randomness.random() >= WITH_FORMS:
                continue
            flagged = randomness.random() < NEEDING_REVIEW
            rows.append(Intake(
                appointment_id=appointment_id, kind=Intake.Kind.NEW_PATIENT, sections_done=list(SAMPLE_ANSWERS),
                sealed_answers=sealed, flagged_count=int(flagged), review=Intake.Review.NEEDS_REVIEW if flagged else "",
                started_at=now, completed_at=now,
            ))
        Intake.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    @staticmethod
    def status(past, randomness):
        roll = randomness.random()
        if roll < 0.08:
            return Appointment.Status.CANCELLED
        if past:
            return Appointment.Status.NO_SHOW if roll < 0.13 else Appointment.Status.COMPLETED
        return Appointment.Status.REQUESTED if roll < 0.2 else Appointment.Status.CONFIRMED


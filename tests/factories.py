"""What tests build with: small factory functions that each make one valid row (with
keyword overrides), the practice most booking tests book with, times in the practice's
time zone, and what the patient forms send (details, spam-trap stamps)."""

import secrets
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.utils import timezone

from clinic.hours import PRACTICE_TIME_ZONE
from clinic.models import (
    Announcement,
    HolidayHours,
    LanguageTagline,
    LegalNotice,
    LegalNoticeVersion,
    OfficeHours,
    Practice,
)

PASSWORD = "a-long-test-password-42"


# --- Times ------------------------------------------------------------------------------

def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at `hour`:`minute` on the practice's wall clock (New York), as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=PRACTICE_TIME_ZONE)


def weekday_after(days: int) -> date:
    """The first Monday-to-Friday day at least `days` days from today (New York)."""
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def next_monday() -> date:
    """The Monday of next week (New York): one to seven days away."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def years_ago(years: int, days: int = 0) -> date:
    """Today `years` years ago, `days` days earlier still (later for a negative `days`)."""
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


class TypedDate:
    """A date as a patient types it (month/day/year), worked out when the test runs.

    A parametrised value is computed when the tests are collected; a run that
    crosses midnight in New York would then type yesterday's "today". Tests call
    `typed(value)` to turn one of these into its text.
    """

    def __init__(self, years: int = 0, days: int = 0):
        self.years, self.days = years, days

    def __str__(self) -> str:
        return years_ago(self.years, self.days).strftime("%m/%d/%Y")

    def __repr__(self) -> str:
        return f"TypedDate(years={self.years}, days={self.days})"


def typed(value):
    """A parametrised form value as text, a TypedDate worked out now."""
    return str(value) if isinstance(value, TypedDate) else value


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
        "npi": "1234567893",
        "tax_id": "00-0000000",
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


def make_legal_notice(slug=LegalNotice.Kind.PRIVACY_PRACTICES, **overrides):
    """A notice of that kind, titled after it, without versions."""
    fields = {"title": LegalNotice.Kind(slug).label, "meta_description": f"Summary of the {slug} notice."}
    fields.update(overrides)
    return LegalNotice.objects.create(slug=slug, **fields)


def make_notice_version(notice, effective_date=None, **overrides):
    """A version of `notice` taking effect on `effective_date` (default: a year ago), saved as the demo loader does."""
    fields = {
        "effective_date": effective_date or timezone.localdate() - timedelta(days=365),
        "body": f"<p>Text of {notice.slug}, effective {effective_date or 'a year ago'}.</p>",
        "change_summary": "Test version",
    }
    fields.update(overrides)
    return LegalNoticeVersion.objects.create(notice=notice, **fields)


def make_all_legal_notices(effective_date=None):
    """Each of the six notices, with one version in effect."""
    return [make_notice_version(make_legal_notice(kind), effective_date).notice for kind in LegalNotice.Kind]


def make_tagline(**overrides):
    number = next(_slugs)
    fields = {
        "language": f"Language {number}",
        "native_name": f"Langue {number}",
        "lang": "es",
        "text": "ATENCIÓN: ayuda gratuita con el idioma. Llame al {phone}.",
        "order": number,
    }
    fields.update(overrides)
    return LanguageTagline.objects.create(**fields)


def make_staff(username="staff", group=None, superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_authenticator(user):
    """A confirmed authenticator app (TOTP) for a member of staff, as enrolment leaves it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_from_app(device, steps_ahead=0):
    """The code the staff member's authenticator app shows now (or `steps_ahead` 30-second steps
    later: a code is accepted once, and the one step either side of now is accepted too),
    computed by django-otp's own TOTP from the device's secret."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = clock.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def pass_second_step(client, user):
    """For a test client signed in with `force_login`: what clinic.two_factor does once a code is
    accepted (django_otp.login), the session naming the user's authenticator (enrolled if need be)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or make_authenticator(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def picture_file(width=1200, height=1500, image_format="PNG", name=None, mode="RGB", exif=None):
    """An uploaded picture, as a browser sends one: a plain colour with a band, so crops and turns show."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new(mode, (width, height), "teal" if mode != "1" else 1)
    if mode != "1":
        image.paste("orange" if mode != "RGBA" else (255, 165, 0, 0), (0, 0, width, max(1, height // 10)))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **({"exif": exif} if exif is not None else {}))
    extension = {"JPEG": "jpg"}.get(image_format, image_format.lower())
    return SimpleUploadedFile(name or f"picture.{extension}", buffer.getvalue(), content_type=f"image/{extension}")


def make_provider(**overrides):
    from clinic.models import Provider

    number = next(_slugs)
    fields = {"name": f"Pat Provider {number}", "slug": f"provider-{number}", "credentials": "MD", "role": "Physician"}
    fields.update(overrides)
    return Provider.objects.create(**fields)


def make_licence(provider, state="MD", licence_type="MD", **overrides):
    """A clinician's licence in one state (a video visit needs one where the patient will be)."""
    from clinic.models import ProviderLicence

    return ProviderLicence.objects.create(provider=provider, state=state, licence_type=licence_type, **overrides)


def license_in(provider, *states):
    """Licences for `provider` in each of `states`; returns the provider."""
    for state in states:
        make_licence(provider, state)
    return provider


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


def make_estimate_item(visit_type, **overrides):
    """An expected item of `visit_type`'s good faith estimates: by default dry needling, 3+ muscles, $95."""
    from appointments.models import EstimateItem

    fields = {"code_type": "CPT", "code": "20561", "description": "Dry needling, 3 or more muscles", "quantity": 1, "charge": "95.00"}
    fields.update(overrides)
    return EstimateItem.objects.create(visit_type=visit_type, **fields)


def estimate_request_form(visit_type, **overrides) -> dict:
    """What a patient sends from /estimates/ask/ (add a `form_stamp`)."""
    fields = {
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": "03/27/1958", "email": "robin@example.com",
        "phone": "", "visit_type": str(visit_type.pk), "expected_date": "", "coverage": "uninsured", "consent_to_contact": "on",
        "website": "",
    }
    fields.update(overrides)
    return fields


def make_insurance_plan(payer="CareFirst BlueCross BlueShield", plan_name="PPO", not_taken_for=(), **overrides):
    """A plan on the practice's list (taken unless `is_taken=False`), with `not_taken_for` visit types as exceptions."""
    from appointments.models import InsurancePlan

    plan = InsurancePlan.objects.create(payer=payer, plan_name=plan_name, **overrides)
    plan.exceptions.set(not_taken_for)
    return plan


def make_help_request(**overrides):
    """A request for help or an accommodation, as the /accessibility/ask/ form saves it."""
    from appointments.models import HelpRequest

    fields = {"name": "Ada Example", "phone": "+13015550111", "kinds": "large_print"}
    fields.update(overrides)
    return HelpRequest.objects.create(**fields)


def make_working_hours(provider, weekdays=range(5), blocks=((time(9), time(17)),)):
    from appointments.models import WorkingHours

    return [
        WorkingHours.objects.create(provider=provider, weekday=weekday, starts=starts, ends=ends)
        for weekday in weekdays
        for starts, ends in blocks
    ]


def make_appointment(**overrides):
    """An appointment saved directly (no availability check), by default confirmed, three days ahead at 10:00 Eastern."""
    from appointments.models import Appointment

    number = next(_slugs)
    if "visit_type" not in overrides:
        overrides["visit_type"] = make_visit_type(providers=[overrides.get("provider") or make_provider()])
    if "provider" not in overrides:
        overrides["provider"] = overrides["visit_type"].providers.first() or make_provider()
    fields = {
        "starts_at": at(timezone.localdate() + timedelta(days=3), 10),
        "status": Appointment.Status.CONFIRMED,
        "first_name": "Jordan",
        "last_name": f"Patient{number}",
        "date_of_birth": date(1960, 4, 12),
        "phone": "+13015550199",
        "email": f"patient{number}@example.com",
        "is_new_patient": False,
    }
    fields.update(overrides)
    fields.setdefault("ends_at", fields["starts_at"] + fields["visit_type"].duration)
    fields.setdefault("patient", _patient_for(fields))
    return Appointment.objects.create(**fields)


def _patient_for(fields):
    """The patient record booking would link (`appointments.patients`: found by the matching rule, or new)."""
    from appointments import patients

    return patients.patient_for(fields)


def make_telehealth_request(waited=None, **overrides):
    """A telehealth request as the patient form saves it; `waited` backdates it (created_at is set on insert)."""
    from appointments.models import TelehealthRequest

    fields = {
        "first_name": "Rosalind",
        "last_name": "Quigley",
        "date_of_birth": date(1958, 7, 14),
        "phone": "+13015550188",
        "email": "rosalind.quigley@example.com",
        "is_new_patient": True,
        "state": "MD",
        "preferred_days": "Monday,Wednesday",
        "preferred_times": "Morning",
        "reason": "Left knee pain since March",
        "consent_to_contact": True,
    }
    fields.update(overrides)
    fields.setdefault("patient", _patient_for(fields))
    if fields.get("status") == TelehealthRequest.Status.SCHEDULED and "appointment" not in fields:
        # A scheduled request always has its visit (the database holds the rule).
        fields["appointment"] = make_appointment(modality="video")
    telehealth_request = TelehealthRequest.objects.create(**fields)
    if waited is not None:
        TelehealthRequest.objects.filter(pk=telehealth_request.pk).update(created_at=timezone.now() - waited)
        telehealth_request.refresh_from_db()
    return telehealth_request


# --- The practice most booking tests book with ------------------------------------------

@dataclass
class Clinic:
    dana: object  # licensed in Maryland, Virginia and DC
    marcus: object  # licensed in Maryland
    outsider: object  # works here, but does not offer the visits below
    needling: object  # a VisitType: in the office only, Dana and Marcus
    follow_up: object  # a VisitType: in the office or by video, Dana only


def build_clinic() -> Clinic:
    """Open Monday to Friday 9–12 and 13–17; three providers working 9–17; two visit types."""
    from appointments.models import BookingSettings

    practice = make_practice()
    make_office_hours(practice)
    BookingSettings.load()
    dana = make_provider(name="Dana Whitfield", order=1)
    marcus = make_provider(name="Marcus Ellery", order=2)
    outsider = make_provider(name="Olive Outsider", order=3)
    for provider in (dana, marcus, outsider):
        make_working_hours(provider)
    license_in(dana, "MD", "VA", "DC")
    license_in(marcus, "MD")
    service = make_service(title="Dry needling", slug="dry-needling")
    needling = make_visit_type(
        [dana, marcus], name="Dry needling session", slug="dry-needling-session", in_office=True, by_video=False, service=service, order=2
    )
    follow_up = make_visit_type([dana], name="Follow-up visit", slug="follow-up-visit", in_office=True, by_video=True, order=1)
    return Clinic(dana, marcus, outsider, needling, follow_up)


# --- What the patient forms send --------------------------------------------------------

# The CSRF cookie's secret of the test client (tests/conftest.py): the patient forms' stamps are
# tied to the browser they were shown to (appointments.antispam).
BROWSER_SECRET = "TestBrowserSecret0123456789abcde"


def browser():
    """The test client's browser key, as appointments.antispam.browser_key works it out."""
    from appointments import antispam

    return antispam.key_of_secret(BROWSER_SECRET)


def _signed_seconds_ago(value: str, seconds_ago: int) -> str:
    """`value` signed as the patient forms' stamps are, as if `seconds_ago` seconds ago."""
    from appointments import antispam

    class SignerOfThePast(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(clock.time()) - seconds_ago)

    return SignerOfThePast(salt=antispam.SALT).sign(value)


def stamp_issued(seconds_ago: int, shown_to: str | None = None) -> str:
    """The stamp of a new form (spam time-trap and form key) as the booking and request pages would
    have signed it `seconds_ago` seconds ago, for the test client's browser (or `shown_to`)."""
    return _signed_seconds_ago(f"{secrets.token_urlsafe(16)}.{shown_to or browser()}", seconds_ago)


def backdated(stamp: str, seconds_ago: int) -> str:
    """A stamp a page gave a real browser, re-signed as if the form had been shown `seconds_ago`
    seconds ago: the same form, for the same browser."""
    from appointments import antispam

    return _signed_seconds_ago(signing.TimestampSigner(salt=antispam.SALT).unsign(stamp), seconds_ago)


# The patient's details as the booking form sends them.
PATIENT = {
    "first_name": "Rosalind",
    "last_name": "Quigley",
    "date_of_birth": "07/14/1958",
    "phone": "(301) 555-0188",
    "email": "rosalind.quigley@example.com",
    "is_new_patient": "yes",
    "reason": "Sciatica down the left leg",
    "consent_to_contact": "on",
}

# A patient with unusual details (not PATIENT's, not the demo's), so that `tests.pages.leaks` can
# look for them, in every way they can be written, in logs, addresses and emails.
TRACED_PATIENT = {
    "first_name": "Zebedee",
    "last_name": "Quillfeather",
    "date_of_birth": "07/19/1961",
    "phone": "(301) 555-0187",
    "email": "zebedee.q@example.com",
    "is_new_patient": "yes",
    "reason": "left shoulder knot since March",
    "consent_to_contact": "on",
}

# TRACED_PATIENT's answer to the payment question at booking: a plan not on the list, typed in.
TRACED_PAYMENT = {"coverage": "insurance", "insurance_plan": "not_listed", "plan_name": "Quillfeather Mutual Gold"}

# TRACED_PATIENT's boxes as a browser fills them in, by their labels.
TRACED_PATIENT_BY_LABEL = {
    "First name": TRACED_PATIENT["first_name"],
    "Last name": TRACED_PATIENT["last_name"],
    "Date of birth": TRACED_PATIENT["date_of_birth"],
    "Mobile phone": TRACED_PATIENT["phone"],
}


def consented(state="MD") -> dict:
    """What `booking.book` and `book_for_staff` need for a video visit: where the patient will be,
    and the version of the telehealth consent they agreed to (the current one)."""
    from appointments.consent import TELEHEALTH_CONSENT_VERSION

    return {"patient_state": state, "telehealth_consent": TELEHEALTH_CONSENT_VERSION}


# What the admin's booking form sends for a video visit: the state, and staff's tick that the patient consented.
STAFF_VIDEO = {"patient_state": "MD", "telehealth_consent": "on"}


def video_details(state="MD") -> dict:
    """What the booking details page posts for a video visit, beside `details_form`'s: the state
    (carried from the time page) and the ticked consent with the version of the wording shown."""
    from appointments.consent import TELEHEALTH_CONSENT_VERSION

    return {"state": state, "telehealth_consent": "on", "consent_version": TELEHEALTH_CONSENT_VERSION}


def details_form(visit_type, starts_at, *, mode="in_office", provider="any", **overrides):
    """What the booking details page posts: the hidden choices, PATIENT's details and a stamp from
    10 seconds ago. An override of None leaves the field out."""
    data = {
        "visit": visit_type.slug,
        "mode": mode,
        "provider": provider,
        "start": starts_at if isinstance(starts_at, str) else starts_at.astimezone(PRACTICE_TIME_ZONE).isoformat(),
        **PATIENT,
        # How the visit is paid (asked at booking): paying themselves unless a test says otherwise.
        "coverage": "uninsured",
        "website": "",
        "form_stamp": stamp_issued(10),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Mail servers ----------------------------------------------------------------------

# Django's test mail backend: what is sent is kept in django.core.mail.outbox (the `mailoutbox` fixture).
MAIL_IN_MEMORY = "django.core.mail.backends.locmem.EmailBackend"
# Django's SMTP backend, which every test points at a real port that hangs up on each
# connection, as a mail server that is down or overloaded does (tests/conftest.py).
MAIL_SERVER_DOWN = "django.core.mail.backends.smtp.EmailBackend"


def deliver_outbox(now=None) -> list:
    """Do what the outbox worker does within a second of a change: send every message that is
    due (`appointments.outbox.send_due`, the worker's own function), at `now` for a test that sets
    the clock. No request sends email, so a test reads `mailoutbox` after this; returns the emails
    sent so far (django.core.mail.outbox). A test that asserts nothing was sent calls it too, or
    its assertion could not fail."""
    from django.core import mail

    from appointments import outbox

    while outbox.send_due(now=now) == outbox.BATCH_SIZE:
        pass
    return getattr(mail, "outbox", [])


def set_booking_settings(**fields):
    """Change the booking settings as staff do in the admin: saved, so every cached copy is replaced."""
    from appointments.models import BookingSettings

    booking_settings = BookingSettings.load(fresh=True)
    for name, value in fields.items():
        setattr(booking_settings, name, value)
    booking_settings.save()
    return booking_settings


def make_filled_intake(appointment, blood_thinners="yes", address="12 Quillfeather Lane", medicines="metoprolol 25 mg",
                       blood_thinner_names="apixaban 5 mg"):
    """A visit's intake with the contacts (registration) and medicines (clinical) sections saved
    through appointments.intake, as the patient's pages save them."""
    from appointments import intake as intakes
    from appointments.forms.intake import ContactsForm, MedicinesForm

    intake = intakes.open_intake(appointment)
    contacts = ContactsForm({
        "address": address, "city": "Gaithersburg", "state": "MD", "zip_code": "20877", "emergency_name": "Sam Kin",
        "emergency_relationship": "brother", "emergency_phone": "(301) 555-0123",
    }, appointment=appointment)
    answers = MedicinesForm({"medicines": medicines, "blood_thinners": blood_thinners, "blood_thinner_names": blood_thinner_names},
                            appointment=appointment)
    for form in (contacts, answers):
        assert form.is_valid(), form.errors
        intake = intakes.save_section(intake, form)
    return intake


# --- Intake forms ---------------------------------------------------------------------------

# A new patient's intake answers, section by section, as the forms send them, with free text no
# page, log or email of ours could hold by chance: the privacy and backup tests look for
# INTAKE_SECRETS wherever an answer must never be (the consent's signed name is the booked name).
TRACED_INTAKE = {
    "contacts": {
        "address": "8814 Quillonvale Larkspur Lane", "city": "Vexbury Heights", "state": "MD", "zip_code": "20877",
        "emergency_name": "Orsolya Brightwater-Kettle", "emergency_relationship": "Sister-in-law Ysmay",
        "emergency_phone": "(301) 555-0177",
    },
    "doctors": {
        "primary_care": "Dr Thaddeus Quimbleworth, Oakmere Clinic", "primary_care_phone": "(301) 555-0166",
        "referred_by": "Dr Philippa Snodgrove", "may_share_reports": "yes",
    },
    "insurance": {
        "plan": "Marrowgate Assurance Platinum", "member_id": "ZQX9981734", "group_number": "GRP77341",
        "subscriber": "spouse", "subscriber_name": "Bartholomew Fennimore-Quay", "subscriber_birth_date": "1961-04-30",
    },
    "history": {
        "conditions": ["high_blood_pressure"], "surgeries": "Zephyrine knee reconstruction 2019",
        "other_conditions": "Glimmerfield syndrome since childhood",
    },
    "medicines": {
        "medicines": "Zyxotrel-4471 twice daily", "blood_thinners": "yes", "blood_thinner_names": "Warfexin-Q 5 mg",
        "allergies": ["latex"], "other_allergies": "Plumbagine-88 gives hives",
    },
    "pregnancy-devices": {"pregnancy": "no", "devices": ["stimulator"], "device_details": "Nevrostim-X9 in the lower spine"},
    "pain": {
        "regions": ["low_back", "hip_left"], "strength": "7", "since": "3_12_months",
        "how_it_started": "Fell off a Krandlewood ladder", "better": "Tamberline stretches",
        "worse": "Sitting in the Oxbridge-Vantz chair",
    },
}
INTAKE_SECRETS = [
    "Quillonvale", "Vexbury", "Orsolya", "Brightwater-Kettle", "Ysmay", "Quimbleworth", "Snodgrove", "Marrowgate", "ZQX9981734",
    "GRP77341", "Fennimore-Quay", "Zephyrine", "Glimmerfield", "Zyxotrel-4471", "Warfexin-Q", "Plumbagine-88", "Nevrostim-X9",
    "Krandlewood", "Tamberline", "Oxbridge-Vantz",
]


def make_dry_needling_with_screening(provider=None):
    """The demo's dry needling, small: its safety questions (blood thinners taken from the medicines
    section; needle phobia asked on the screening page), a published consent, and its visit type."""
    from appointments.models import ScreeningQuestion, TreatmentConsent

    service = make_service(title="Dry needling", slug=f"dry-needling-{next(_slugs)}")
    ScreeningQuestion.objects.create(
        service=service, question="Do you take a medicine that thins your blood?", reason="Needles can cause bleeding.",
        key="blood_thinners", order=1,
    )
    ScreeningQuestion.objects.create(
        service=service, question="Are you afraid of needles?", reason="We can go slowly and stop at any time.", order=2,
    )
    TreatmentConsent.objects.create(
        service=service, text="Dry needling uses thin needles.\n\nYou may stop at any time.", published_at=timezone.now(),
    )
    return make_visit_type(providers=[provider or make_provider()], name="Dry needling session", service=service)


def intake_form_data(appointment, intake, form_class, answers=TRACED_INTAKE) -> dict:
    """What a patient sends on a section's page: TRACED_INTAKE's answers, "no" to every safety
    question the screening page asks, and the booked name as the consent's signature."""
    from appointments import intake as intakes

    if form_class.slug == "screening":
        asked = intakes.questions_to_ask(appointment, intake, intakes.answers_of(intake))
        return {f"q{question.pk}": "no" for question in asked}
    if form_class.slug == "consent":
        return {"signed_name": f"{appointment.first_name} {appointment.last_name}", "agree": "on"}
    return dict(answers[form_class.slug])


def bound_intake_form(appointment, intake, form_class, data):
    """A section's form, bound to `data`, as the patient's page builds it."""
    from appointments import intake as intakes

    if form_class.slug == "screening":
        asked = intakes.questions_to_ask(appointment, intake, intakes.answers_of(intake))
        return form_class(data, appointment=appointment, questions=asked)
    return form_class(data, appointment=appointment)


def fill_in_intake(appointment, answers=TRACED_INTAKE):
    """Every section of the visit's intake answered and saved through `appointments.intake`, as the
    patient's pages do, until it is complete; returns the intake."""
    from appointments import intake as intakes

    intake = intakes.open_intake(appointment)
    while (form_class := intakes.next_section(intake, intakes.sections_for(appointment, intake))) is not None:
        form = bound_intake_form(appointment, intake, form_class, intake_form_data(appointment, intake, form_class, answers))
        assert form.is_valid(), form.errors
        intake = intakes.save_section(intake, form)
    return intake

"""Every change to an appointment, each made by one function here:

- `book`: a patient books online;           - `book_for_staff`: the front desk books by phone;
- `move`: to another time (patient or staff);  - `cancel`;
- `book_series`: a course of visits, all or nothing; - `cancel_rest_of_series`;
- `confirm`: the front desk confirms a request; - `record_outcome`: completed or no-show;
- `check_in`: the patient has arrived;          - `save_staff_notes`: staff's own notes;
- `cancel_for_closure` / `notify_of_closure`: the office closes when the visit was booked;
- `change_video_link`;                      - `send_due_reminders`: the day-before reminder;
- `send_new_manage_link`: a new link for the patient, every older one stops working;
- `change_coverage`: the patient will pay another way (the good faith estimate follows);
- `apply_to_each`: one of these on several appointments, refusals collected (staff actions).

A new appointment joins its patient's record, or makes one, in its transaction
(`appointments.patients`: the matching rule; `book` also applies the practice's optional
no-show rule there). A self-pay booking, move or cancellation also creates, revises or
withdraws the visit's good faith estimate in the same transaction (`appointments.estimates`).

Each one is atomic, checks again inside its transaction what it depends on (the row,
locked; availability, read fresh), queues its emails in the same transaction
(`appointments.notifications`), and leaves the last word on overlaps to the database
(an exclusion constraint or triggers: migration 0002). Views, the admin and the
management commands only call these functions and turn their exceptions into
messages: `BookingRefused` (not allowed; `field` says which form field it is about)
and `SlotUnavailable` (the time is taken or not offered; `nearest` holds free times).

Patients book on the online rules (`availability`: minimum notice, horizon, the time
step); staff, who book by phone, on any minute from now on, when the office is open and
the provider works, is not away and is free for the whole visit (`why_staff_cannot_book`).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from appointments import consent, estimates, notifications, patients, series
from appointments.coverage import CoverageAnswer, CoverageRefused, check_coverage
from appointments.availability import (
    Slot,
    booking_window,
    explain_unavailable,
    find_slots,
    first_available,
    in_utc,
    working_intervals,
)
from appointments.loader import load_schedules, load_slots, practice_hours, providers_for, rules_for, video_states
from appointments.models import (
    CONTACT_FIELDS, Appointment, AppointmentSeries, BookingSettings, Patient, VisitType, WaitlistEntry, WaitlistOffer,
    insert_without_patient_values, new_reference,
)
from clinic.hours import PRACTICE_TIME_ZONE, at_wall_clock, day_window, later_by
from clinic.models import Provider
from clinic.us_states import STATE_NAMES, state_name, state_names
from clinic.validators import validate_plausible_date

NEAREST_COUNT = 6
NEAREST_SEARCH_DAYS = 14
MAX_DISTANCE = timedelta(days=3650)
JUST_TAKEN = "That time was just taken. Here are the nearest free times."
OUTCOMES = {Appointment.Status.COMPLETED: "completed", Appointment.Status.NO_SHOW: "no-show"}


class BookingRefused(Exception):
    """The change is not allowed (e.g. a visit type not offered by video, a visit that is over).
    `code` names the refusals a page answers with more than words: OUT_OF_STATE (no clinician
    is licensed where the patient will be: `states` are where they are) and NEEDS_CONSULTATION
    (a new patient chose a treatment that starts with a consultation: `consultation` is it)."""

    def __init__(self, message: str, field: str | None = None, code: str = "", **details):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.details = details


class AlreadyBooked(Exception):
    """This form booked already (a double click, a re-send): `appointment` is what it booked."""

    def __init__(self, appointment: Appointment):
        super().__init__(appointment.reference)
        self.appointment = appointment


class SlotUnavailable(Exception):
    """The chosen time cannot be booked; `nearest` holds free times close to it."""

    def __init__(self, message: str, nearest: list[Slot] = ()):
        super().__init__(message)
        self.message = message
        self.nearest = list(nearest)


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    manage_token: str


# --- Rules ------------------------------------------------------------------

OUT_OF_STATE = "out_of_state"
NEEDS_CONSULTATION = "needs_consultation"
CHOOSE_A_STATE = "Please choose the state you will be in during the video visit."


def out_of_state_refusal(state: str, states: list[str]) -> BookingRefused:
    """A patient in `state`, where no clinician who offers the visit by video is licensed."""
    if states:
        message = (
            f"We are sorry: our clinicians can see you by video only while you are in {state_names(states)}, where they "
            f"are licensed, and not in {state_name(state)}."
        )
    else:
        message = "We are sorry: we cannot offer this visit by video at the moment."
    return BookingRefused(message, "patient_state", OUT_OF_STATE, states=states)


def consultation_for(visit_type: VisitType) -> VisitType | None:
    """The visit a new patient books instead of `visit_type`: the first visit for new patients
    bookable online that they may book directly, in the office if `visit_type` is."""
    consultations = [
        consultation for consultation in VisitType.objects.bookable().filter(new_patients_only=True, new_patients_may_book=True)
        if consultation.pk != visit_type.pk
    ]
    if visit_type.in_office:
        consultations.sort(key=lambda consultation: not consultation.in_office)
    return consultations[0] if consultations else None


def needs_consultation_refusal(visit_type: VisitType) -> BookingRefused:
    consultation = consultation_for(visit_type)
    first = f"a {consultation.name.lower()}" if consultation else "a consultation"
    return BookingRefused(
        f"New patients start with {first}, so that the clinician can check that {visit_type.name.lower()} is right for "
        f"you. Please book {first} first{'' if consultation else ': call us'}. If you have been seen here before, "
        "choose “returning patient”.",
        "is_new_patient", NEEDS_CONSULTATION, consultation=consultation,
    )


def check_request(visit_type: VisitType, modality: str, provider_id: int | None, is_new_patient: bool | None = None,
                  patient_state: str | None = None):
    """The parts of an online booking that do not depend on time; returns the candidate providers.

    A video visit needs the state the patient will be in (`patient_state`), and only clinicians
    licensed there are candidates. A new patient may not book a visit that new patients do not
    book directly (`VisitType.new_patients_may_book`)."""
    if not visit_type.is_active:
        raise BookingRefused("That visit can no longer be booked online. Please call us.", "visit_type")
    if modality not in Appointment.Modality.values or not visit_type.allows(modality):
        raise BookingRefused("That visit is not offered this way. Please choose in the office or by video.", "modality")
    if is_new_patient is False and visit_type.new_patients_only:
        raise BookingRefused("This visit is for new patients. Please choose a follow-up visit, or call us.", "is_new_patient")
    if is_new_patient is True and not visit_type.new_patients_may_book:
        raise needs_consultation_refusal(visit_type)
    video = modality == Appointment.Modality.VIDEO
    if video and patient_state not in STATE_NAMES:
        raise BookingRefused(CHOOSE_A_STATE, "patient_state")
    offering = providers_for(visit_type, modality)
    providers = [provider for provider in offering if provider.licence_in(patient_state)] if video else offering
    if offering and not providers:
        raise out_of_state_refusal(patient_state, video_states(visit_type))
    if provider_id is not None:
        chosen = [provider for provider in providers if provider.pk == provider_id]
        if not chosen:
            elsewhere = next((provider for provider in offering if provider.pk == provider_id), None)
            if elsewhere is not None:
                raise BookingRefused(
                    f"{elsewhere.name} is not licensed in {state_name(patient_state)}, so cannot see you by video there. "
                    "Please choose another clinician.", "provider",
                )
            raise BookingRefused("That provider does not offer this visit. Please choose another provider.", "provider")
        providers = chosen
    if not providers:
        raise BookingRefused("Nobody offers this visit online at the moment. Please call us.", "visit_type")
    return providers


def check_video_consent(provider: Provider, patient_state: str, consent_version: str | None, *, by_staff: bool = False):
    """Before a video visit the patient was told the clinician's name and licence type in
    `patient_state`, and agreed to the telehealth consent of `consent_version` (the current one)."""
    if patient_state not in STATE_NAMES:
        raise BookingRefused("Choose the state the patient will be in during the visit." if by_staff else CHOOSE_A_STATE, "patient_state")
    if provider.licence_in(patient_state) is None:
        raise BookingRefused(
            f"{provider} is not licensed in {state_name(patient_state)}: choose a clinician licensed there, or an office visit.",
            "provider",
        )
    if not consent_version:
        raise BookingRefused(consent.STAFF_NOT_GIVEN if by_staff else consent.NOT_GIVEN, "telehealth_consent")
    if consent_version != consent.TELEHEALTH_CONSENT_VERSION:
        raise BookingRefused(consent.WORDING_CHANGED, "telehealth_consent")


def can_change_online(appointment: Appointment, now: datetime | None = None, settings: BookingSettings | None = None) -> bool:
    """Patients may cancel or move a visit online until `BookingSettings.online_changes_close_at`:
    the cancellation cut-off, or a short grace after booking a visit that is soon."""
    now = now or timezone.now()
    settings = settings or BookingSettings.load()
    return appointment.is_active and now <= settings.online_changes_close_at(appointment.starts_at, appointment.created_at)


def _hours_text(blocks) -> str:
    return " and ".join(f"{block.opens:%H:%M}–{block.closes:%H:%M}" for block in blocks)


def why_staff_cannot_book(provider: Provider, visit_type: VisitType, modality: str, starts_at: datetime, *,
                  exclude_appointment_id=None, now: datetime | None = None) -> BookingRefused | None:
    """Why staff cannot book (or move a visit to) this, or None if they can.

    Staff may book however soon or far ahead, on any minute: notice, horizon and time step
    are online rules. The visit type must be offered there by that provider; the office must
    be open (holiday hours applied), the provider working, not away and free for the whole
    visit. The database has the last word.
    """
    now = now or timezone.now()
    try:
        validate_plausible_date(starts_at)
    except ValidationError as error:
        return BookingRefused(error.messages[0], "starts_at")
    if not visit_type.allows(modality):
        return BookingRefused(f"“{visit_type}” is not offered this way. Choose the other place.", "modality")
    if not visit_type.providers.filter(pk=provider.pk).exists():
        return BookingRefused(f"{provider} does not offer “{visit_type}”. Choose another provider or visit.", "provider")
    if modality == Appointment.Modality.VIDEO and not provider.offers_telehealth:
        return BookingRefused(f"{provider} does not see patients by video.", "provider")
    ends_at = later_by(starts_at, visit_type.duration)
    local = timezone.localtime(starts_at, PRACTICE_TIME_ZONE)
    day = local.date()
    when = date_format(local, "l, F j")
    length = f"a {visit_type.duration_minutes}-minute visit at {local:%H:%M}"

    def fits(intervals):
        return any(start <= starts_at and ends_at <= end for start, end in intervals)

    def refused(message):
        return BookingRefused(message, "starts_at")

    if starts_at < now:
        return refused("That time has passed. Choose a time from now on.")
    day_hours = practice_hours(fresh=True).hours_on(day)
    if day_hours.is_closed:
        holiday = f" ({day_hours.holiday.label})" if day_hours.holiday else ""
        return refused(f"The office is closed on {when}{holiday}.")
    if not fits(in_utc(day_hours.intervals())):
        return refused(f"The office is open {_hours_text(day_hours.blocks)} on {when}: {length} does not fit.")
    schedule = load_schedules([provider.pk], day, day, exclude_appointment_id)[0]
    blocks = sorted(schedule.weekly.get(day.weekday(), ()))
    if not blocks:
        return refused(f"{provider} does not work on {local:%A}s.")
    if not fits(working_intervals(day, schedule)):
        return refused(f"{provider} works {_hours_text(blocks)} on {local:%A}s: {length} does not fit.")
    if any(start < ends_at and starts_at < end for start, end in schedule.time_off):
        return refused(f"{provider} has time off then.")
    clash = Appointment.objects.overlapping(provider.pk, starts_at, ends_at).exclude(pk=exclude_appointment_id).first()
    if clash is not None:
        clash_start, clash_end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        return refused(f"{provider} already has appointment {clash.reference} from {clash_start:%H:%M} to {clash_end:%H:%M}.")
    return None


# --- Free times -------------------------------------------------------------


def nearest_slots(visit_type, providers, starts_at, now, settings, exclude_appointment_id=None) -> list[Slot]:
    """Free times closest to `starts_at`, within two weeks either side. A time before the
    minimum notice or past the horizon (a page left open overnight) counts from the
    nearest bookable moment, so the patient still gets times to choose from."""
    earliest, last_day = booking_window(now, rules_for(visit_type, settings))
    starts_at = min(max(starts_at, earliest), day_window(last_day)[1])
    day = timezone.localtime(starts_at).date()
    first_day = max(day - timedelta(days=NEAREST_SEARCH_DAYS), timezone.localtime(now).date())
    days = (day - first_day).days + NEAREST_SEARCH_DAYS + 1
    provider_ids = [provider.pk for provider in providers]
    schedules = load_schedules(provider_ids, first_day, first_day + timedelta(days=days), exclude_appointment_id)
    slots = find_slots(
        practice=practice_hours(fresh=True), schedules=schedules, rules=rules_for(visit_type, settings),
        now=now, first_day=first_day, days=days,
    )
    slots = first_available(slots, provider_ids)
    return sorted(sorted(slots, key=lambda slot: abs(slot.starts_at - starts_at))[:NEAREST_COUNT])


def offered_provider(visit_type: VisitType, providers: list[Provider], starts_at: datetime, now: datetime,
                     any_provider: bool, settings: BookingSettings | None = None, hours=None) -> Provider | None:
    """Who the time page offers at `starts_at` right now (the first free of `providers` for "first
    available"), or None when that time is not among the free times it shows."""
    day = timezone.localtime(starts_at).date()
    slots = load_slots(visit_type, providers, day, 1, now, settings, merge=any_provider, hours=hours)
    provider_id = next((slot.provider_id for slot in slots if slot.starts_at == starts_at), None)
    return next((provider for provider in providers if provider.pk == provider_id), None)


def is_offered(visit_type: VisitType, providers: list[Provider], starts_at: datetime, now: datetime, any_provider: bool) -> bool:
    """Whether `starts_at` is among the free times the time page shows right now."""
    return offered_provider(visit_type, providers, starts_at, now, any_provider) is not None


def providers_to_move_to(appointment: Appointment) -> list[Provider]:
    """Whom the patient may choose at a new time: their own provider first, then anyone else who offers the visit.

    A video visit stays with its clinician: the patient was told their name and licence and
    agreed to a video visit with them. They must still offer it, and be licensed where the
    patient said they would be (unknown for visits booked before it was asked)."""
    if appointment.modality != Appointment.Modality.VIDEO:
        providers = check_request(appointment.visit_type, appointment.modality, None)
        providers.sort(key=lambda provider: provider.pk != appointment.provider_id)
        return providers
    state = appointment.patient_state
    providers = [
        provider for provider in providers_for(appointment.visit_type, appointment.modality)
        if provider.pk == appointment.provider_id and (not state or provider.licence_in(state))
    ]
    if not appointment.visit_type.is_active or not providers:
        raise BookingRefused("This video visit cannot be moved online. Please call us and we will find a time with you.")
    return providers


def provider_to_move_to(appointment: Appointment, provider_id: int | None = None) -> Provider:
    """The provider a patient's move is with: the visit's own unless the patient chose
    another (`provider_id`) who offers the visit there. Never anyone the patient did not choose."""
    allowed = providers_to_move_to(appointment)  # refuses a video visit whose clinician may no longer see the patient there
    if provider_id is None or provider_id == appointment.provider_id:
        return appointment.provider
    for provider in allowed:
        if provider.pk == provider_id:
            return provider
    raise BookingRefused("That provider does not offer this visit. Please choose another provider.", "provider")


def times_to_move_to(appointment: Appointment, first_day: date, days: int, now: datetime, settings: BookingSettings,
                     provider: Provider | None = None) -> list[Slot]:
    """Free times for the same visit and place with `provider` (the visit's own by default),
    as `move` would accept them; the appointment's own time counts as free but is not offered."""
    slots = load_slots(
        appointment.visit_type, [provider or appointment.provider], first_day, days, now, settings,
        exclude_appointment_id=appointment.pk,
    )
    return [slot for slot in slots if slot.starts_at != appointment.starts_at]


def _free_provider(visit_type, providers, starts_at, now, settings, exclude_appointment_id=None) -> Provider:
    """The first provider free at `starts_at` on the online rules, or raise SlotUnavailable with the reason."""
    if abs(starts_at - now) > MAX_DISTANCE:
        # Far-off dates are never bookable, and date arithmetic on them can overflow.
        raise SlotUnavailable("Please choose one of the times shown.")
    day = timezone.localtime(starts_at).date()
    schedules = load_schedules([p.pk for p in providers], day, day, exclude_appointment_id)
    practice = practice_hours(fresh=True)
    rules = rules_for(visit_type, settings)
    reasons = []
    for provider, schedule in zip(providers, schedules, strict=True):
        reason = explain_unavailable(starts_at, practice=practice, schedule=schedule, rules=rules, now=now)
        if not reason:
            return provider
        reasons.append(reason)
    message = reasons[0] if len(set(reasons)) == 1 else JUST_TAKEN
    if message.startswith("That time is not available"):
        message = JUST_TAKEN
    raise SlotUnavailable(message, nearest_slots(visit_type, providers, starts_at, now, settings, exclude_appointment_id))


# --- Booking ----------------------------------------------------------------

ALREADY_BOOKED_THEN = (
    "We could not book this time online. If you already have a visit at this time, the link in your "
    "confirmation email lets you change it; otherwise please choose another time, or call us."
)


def _one_at_a_time_for(email: str):
    """On PostgreSQL, bookings with the same email wait for each other from here until the
    transaction ends, so that two at once (a double click) cannot both miss each other in the
    checks below; SQLite runs one booking transaction at a time anyway."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(email.casefold().encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# The key space of `take_turns_for_provider`'s locks (two-int advisory locks never meet one-bigint ones).
PROVIDER_TURNS = 1


def take_turns_for_provider(provider_id: int):
    """On PostgreSQL, transactions that write a provider's times take turns from here until
    they end. The no-overlap constraint stays the guard; turns keep its races from deadlocking:
    a loser's insert waits on the winner's pending row, and the winner's second write (the
    patient's details, `insert_without_patient_values`) would wait on the loser's."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PROVIDER_TURNS, provider_id])


def _refuse_a_form_sent_again(form_key: str | None):
    """Raise AlreadyBooked when the form named `form_key` (appointments.antispam) has booked."""
    booked = Appointment.objects.filter(form_key=form_key).first() if form_key else None
    if booked is not None:
        raise AlreadyBooked(booked)


def _same_patients_visit(appointment: Appointment, exclude_appointment_id=None) -> Appointment | None:
    """An active visit of the same person (same email, or same name and date of birth) that
    overlaps `appointment`'s time: nobody holds two visits at once."""
    same_person = Q(email__iexact=appointment.email) | Q(
        first_name__iexact=appointment.first_name, last_name__iexact=appointment.last_name, date_of_birth=appointment.date_of_birth
    )
    return (
        Appointment.objects.active()
        .filter(same_person, starts_at__lt=appointment.ends_at, ends_at__gt=appointment.starts_at)
        .exclude(pk=exclude_appointment_id)
        .first()
    )


def refusal_from(error: ValidationError) -> BookingRefused:
    """The model's first objection, with the field it is about, as the functions here raise it."""
    field, problems = next(iter(error.message_dict.items()))
    return BookingRefused(problems[0], None if field == "__all__" else field)


def _new_appointment(patient: dict, **visit) -> Appointment:
    """An unsaved appointment with the patient's details (`CONTACT_FIELDS` as keys), checked
    by the same model rules the admin uses, so staff and patients obey one rule."""
    appointment = Appointment(**patient, **visit)
    try:
        appointment.full_clean(
            exclude=["provider", "visit_type", "reference", "manage_nonce", "manage_token_hash", "form_key"], validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        raise refusal_from(error) from None
    return appointment


# An appointment's patient values besides the contact details: never in its insert (`_insert`).
PRIVATE_FIELDS = [*CONTACT_FIELDS, "patient_state", "coverage", "insurance_plan", "insurance_plan_name"]


def _record_coverage(appointment: Appointment, answer: CoverageAnswer | None):
    """How the visit is paid, checked now (inside the booking's transaction: a plan may have been
    marked not taken since the form was shown); no answer records "not asked" (staff only)."""
    if answer is None:
        return
    try:
        checked = check_coverage(appointment.visit_type, answer)
    except CoverageRefused as refusal:
        raise BookingRefused(refusal.message, refusal.field, refusal.code) from None
    appointment.coverage, appointment.insurance_plan, appointment.insurance_plan_name = checked.coverage, checked.plan, checked.plan_name


def _insert(appointment: Appointment, nearest, now: datetime) -> Booking:
    """Save a new appointment with its manage token and queue its emails; the database
    refuses an overlap, which becomes SlotUnavailable with `nearest()` (or AlreadyBooked when
    the same form booked meanwhile). Run inside a transaction. The insert, the one statement
    a race can refuse, carries no patient value, no link's nonce and no room name (`insert_without_patient_values`)."""
    token = appointment.issue_manage_token()
    # One in 10^11 per pair, but a repeated reference must not read as "time taken".
    while Appointment.objects.filter(reference=appointment.reference).exists():
        appointment.reference = new_reference()
    take_turns_for_provider(appointment.provider_id)
    try:
        insert_without_patient_values(appointment, private=[*PRIVATE_FIELDS, "manage_nonce", "video_room"])
    except IntegrityError:
        _refuse_a_form_sent_again(appointment.form_key)
        # Another booking won the race between our check and our insert.
        raise SlotUnavailable(JUST_TAKEN, nearest()) from None
    notifications.queue_booking_received(appointment)
    if appointment.needs_good_faith_estimate:
        # Uninsured or not using insurance: owed a good faith estimate (45 CFR 149.610), made in this transaction.
        estimates.create_for_booking(appointment, now=now)
    return Booking(appointment, token)


def _video_visit_fields(modality: str, patient_state: str | None, consent_version: str | None, now: datetime) -> dict:
    """What a video visit records: the patient's state and their consent (when, which wording)."""
    if modality != Appointment.Modality.VIDEO:
        return {}
    return {"patient_state": patient_state or "", "telehealth_consent_at": now, "telehealth_consent_version": consent_version or ""}


def book(*, visit_type: VisitType, modality: str, starts_at: datetime, patient: dict, provider_id: int | None = None,
         patient_state: str | None = None, telehealth_consent: str | None = None, coverage: CoverageAnswer | None = None,
         form_key: str | None = None, now: datetime | None = None) -> Booking:
    """A patient books online (any free provider unless `provider_id`). Requested until the
    front desk confirms it, or confirmed at once, as the booking settings say. `form_key` names
    the form it was sent with: sent again, it raises AlreadyBooked with what it booked.

    A video visit needs `patient_state` (where the patient will be: the clinician must be
    licensed there), the clinician by name (`provider_id`: the patient was told who, and as
    what they are licensed there) and `telehealth_consent`, the version of the consent wording
    the patient agreed to (appointments.consent), which must be the current one.

    `coverage`: how the patient said they will pay (appointments.coverage), checked again here;
    a plan not taken for this visit is refused with code PLAN_NOT_TAKEN. The booking form always
    asks it; None (callers that do not ask, e.g. tools and older tests) records "not asked"."""
    now = now or timezone.now()
    video = modality == Appointment.Modality.VIDEO
    appointment = _new_appointment(
        patient, visit_type=visit_type, modality=modality, starts_at=starts_at, ends_at=later_by(starts_at, visit_type.duration),
        source=Appointment.Source.ONLINE, form_key=form_key or None,
        **_video_visit_fields(modality, patient_state, telehealth_consent, now),
    )
    with transaction.atomic():
        _one_at_a_time_for(appointment.email)
        _refuse_a_form_sent_again(appointment.form_key)
        settings = BookingSettings.load(fresh=True)
        providers = check_request(visit_type, modality, provider_id, patient.get("is_new_patient"), patient_state if video else None)
        if video:
            if provider_id is None:
                raise BookingRefused("Before a video visit we tell you who your clinician is: please choose a time again.", "provider")
            check_video_consent(providers[0], patient_state, telehealth_consent)
        _record_coverage(appointment, coverage)
        appointment.provider = _free_provider(visit_type, providers, starts_at, now, settings)
        if _same_patients_visit(appointment):
            # Said without telling whether that person has a visit: anyone can type a name.
            raise BookingRefused(ALREADY_BOOKED_THEN)
        appointment.patient = patients.patient_for(appointment.contact_details())
        # The practice's optional no-show rule may make it a request; the patient is told only "requested".
        needs_confirming = settings.requires_confirmation or patients.must_be_confirmed(appointment.patient, settings, now)
        appointment.status = Appointment.Status.REQUESTED if needs_confirming else Appointment.Status.CONFIRMED
        return _insert(appointment, lambda: nearest_slots(visit_type, providers, starts_at, now, settings), now)


def book_for_staff(*, provider: Provider, visit_type: VisitType, modality: str, starts_at: datetime, patient: dict,
                   video_link: str = "", patient_state: str | None = None, telehealth_consent: str | None = None,
                   coverage: CoverageAnswer | None = None, patient_record: Patient | None = None,
                   now: datetime | None = None) -> Booking:
    """The front desk books by phone: confirmed at once, on the staff rules (`why_staff_cannot_book`).

    `patient_record`: the patient's record when staff picked it; otherwise the matching rule of
    `appointments.patients` finds it or makes a new one.

    A video visit, as online: the state the patient will be in (`patient_state`; the clinician
    must be licensed there) and `telehealth_consent`, the version of the consent wording the
    member of staff read to the patient, who agreed (the current one)."""
    now = now or timezone.now()
    appointment = _new_appointment(
        patient, provider=provider, visit_type=visit_type, modality=modality, starts_at=starts_at,
        ends_at=later_by(starts_at, visit_type.duration), video_link=video_link,
        status=Appointment.Status.CONFIRMED, source=Appointment.Source.STAFF,
        **_video_visit_fields(modality, patient_state, telehealth_consent, now),
    )
    with transaction.atomic():
        _one_at_a_time_for(appointment.email)
        problem = why_staff_cannot_book(provider, visit_type, modality, starts_at, now=now)
        if problem:
            raise problem
        if modality == Appointment.Modality.VIDEO:
            check_video_consent(provider, patient_state, telehealth_consent, by_staff=True)
        _record_coverage(appointment, coverage)
        other = _same_patients_visit(appointment)
        if other is not None:
            raise BookingRefused(f"This patient already has appointment {other.reference} at that time.", "starts_at")
        appointment.patient = patient_record or patients.patient_for(appointment.contact_details())
        return _insert(appointment, lambda: [], now)


@dataclass(frozen=True)
class SeriesBooking:
    series: AppointmentSeries
    visits: list[Appointment]
    manage_tokens: list[str]  # each visit's manage link, in the order of `visits`


def book_series(*, visit_type: VisitType, modality: str, provider: Provider, times: list[datetime], every_weeks: int,
                patient: dict, patient_state: str | None = None, telehealth_consent: str | None = None,
                coverage: CoverageAnswer | None = None, form_key: str | None = None, by_staff: bool = False,
                patient_record: Patient | None = None, now: datetime | None = None) -> SeriesBooking:
    """A course of treatment (appointments.series): every visit at `times` with `provider`, in one
    transaction, all or nothing. A time that cannot be had, or is taken by a booking that wins a
    race with this one (the no-overlap constraint refuses the insert), refuses the whole series
    with `series.SeriesRefused` naming that date; nothing of it stays saved.

    Online (`by_staff` False) on the online rules, as requested or confirmed as `book` would;
    by the front desk confirmed at once. The form's `form_key` is kept on the first visit: sent
    again, it raises AlreadyBooked with that visit."""
    now = now or timezone.now()
    times = sorted(times)
    video = modality == Appointment.Modality.VIDEO
    source = Appointment.Source.STAFF if by_staff else Appointment.Source.ONLINE
    visits = [
        _new_appointment(
            patient, provider=provider, visit_type=visit_type, modality=modality, starts_at=starts_at,
            ends_at=later_by(starts_at, visit_type.duration), source=source,
            form_key=(form_key or None) if number == 0 else None,
            **_video_visit_fields(modality, patient_state, telehealth_consent, now),
        )
        for number, starts_at in enumerate(times)
    ]
    if not visits:
        raise series.SeriesRefused(f"A series has {series.MIN_VISITS} to {series.MAX_VISITS} visits.", "count")
    with transaction.atomic():
        _one_at_a_time_for(visits[0].email)
        _refuse_a_form_sent_again(visits[0].form_key)
        settings = BookingSettings.load(fresh=True)
        if by_staff:
            # The staff rules, as book_for_staff: any minute from now on, the office open, the provider free.
            series.check_series(visit_type, len(times), every_weeks)
            for number, starts_at in enumerate(times):
                problem = why_staff_cannot_book(provider, visit_type, modality, starts_at, now=now)
                if problem is None and series.overlaps(starts_at, visit_type.duration, times[:number]):
                    problem = BookingRefused("Two visits of the series overlap.")
                if problem is not None:
                    raise series.SeriesRefused(f"The visit on {series.when(starts_at)} cannot be booked: {problem.message} "
                                               "Nothing was booked.", "starts_at", starts_at)
        else:
            check_request(visit_type, modality, provider.pk, patient.get("is_new_patient"), patient_state if video else None)
            series.check_times(times, visit_type=visit_type, provider=provider, every_weeks=every_weeks, now=now, settings=settings)
        if video:
            check_video_consent(provider, patient_state, telehealth_consent, by_staff=by_staff)
        for visit in visits:
            _record_coverage(visit, coverage)
            other = _same_patients_visit(visit)
            if other is not None:
                # Online, said without telling whether that person has a visit: anyone can type a name.
                problem = (f"This patient already has appointment {other.reference} then" if by_staff else
                           "We could not book it online (if you already have a visit then, the link in its email lets you change it)")
                raise series.SeriesRefused(
                    f"The visit on {series.when(visit.starts_at)}: {problem}. Nothing was booked; please change that date.", "times",
                    visit.starts_at,
                )
        record = patient_record or patients.patient_for(visits[0].contact_details())
        needs_confirming = not by_staff and (settings.requires_confirmation or patients.must_be_confirmed(record, settings, now))
        the_series = AppointmentSeries.objects.create(every_weeks=every_weeks, source=source)
        take_turns_for_provider(provider.pk)
        tokens = []
        for visit in visits:
            visit.patient, visit.series = record, the_series
            visit.status = Appointment.Status.REQUESTED if needs_confirming else Appointment.Status.CONFIRMED
            tokens.append(visit.issue_manage_token())
            while Appointment.objects.filter(reference=visit.reference).exists():
                visit.reference = new_reference()
            try:
                insert_without_patient_values(visit, private=[*PRIVATE_FIELDS, "manage_nonce", "video_room"])
            except IntegrityError:
                _refuse_a_form_sent_again(visit.form_key)
                # A booking made since check_times won the race for this time: the whole series goes.
                raise series.SeriesRefused(
                    f"The visit on {series.when(visit.starts_at)} was just taken by someone else. Nothing was booked; "
                    "please change that date.", "times", visit.starts_at,
                ) from None
            if visit.needs_good_faith_estimate:
                estimates.create_for_booking(visit, now=now)
        notifications.queue_series_booked(visits)
        return SeriesBooking(the_series, visits, tokens)


# --- Changes to a booked visit ------------------------------------------------


def _locked(appointment: Appointment) -> Appointment:
    """The appointment's row, locked until the transaction ends. Only that row: locking the
    provider and visit type joined to it would make unrelated changes wait, and could deadlock."""
    return Appointment.objects.select_for_update(of=("self",)).select_related("provider", "visit_type").get(pk=appointment.pk)


def move(appointment: Appointment, *, starts_at: datetime, by_patient: bool, provider: Provider | None = None,
         visit_type: VisitType | None = None, modality: str | None = None, now: datetime | None = None) -> Appointment:
    """Move a visit to a new time. The old time frees only if the new one is secured: both
    happen in one transaction, and the database refuses an overlap.

    A patient (online, until the cut-off) keeps the visit and the place, and the provider:
    only `provider`, when the patient chose another one explicitly, changes it. A new time
    is a new request when the front desk confirms bookings. Staff may also change the
    provider, visit or place. The email says when the provider changed, and from whom.
    """
    now = now or timezone.now()
    settings = BookingSettings.load(fresh=True)
    with transaction.atomic():
        appointment = _locked(appointment)
        _one_at_a_time_for(appointment.email)
        previous_provider = appointment.provider
        if by_patient:
            if not can_change_online(appointment, now, settings):
                raise BookingRefused("It is too late to change this appointment online. Please call us.")
            providers = [provider_to_move_to(appointment, provider.pk if provider else None)]
            provider = _free_provider(appointment.visit_type, providers, starts_at, now, settings, appointment.pk)
        else:
            if not appointment.is_active or appointment.is_over(now):
                raise BookingRefused("Only requested or confirmed visits that are not over yet can be moved.")
            if (starts_at == appointment.starts_at and (provider or appointment.provider) == appointment.provider
                    and (visit_type or appointment.visit_type) == appointment.visit_type
                    and (modality or appointment.modality) == appointment.modality):
                # A button pressed twice, or a form sent again: nothing to move, and no second email.
                raise BookingRefused("The visit is already at that time: nothing was changed.", "starts_at")
            was_video = appointment.modality == Appointment.Modality.VIDEO
            provider, visit_type = provider or appointment.provider, visit_type or appointment.visit_type
            appointment.visit_type, appointment.modality = visit_type, modality or appointment.modality
            problem = why_staff_cannot_book(provider, visit_type, appointment.modality, starts_at, exclude_appointment_id=appointment.pk, now=now)
            if problem:
                raise problem
            problem = why_staff_cannot_move_by_video(appointment, provider, was_video)
            if problem:
                raise problem
        appointment.provider = provider
        appointment.starts_at = starts_at
        appointment.ends_at = later_by(starts_at, appointment.visit_type.duration)
        other = _same_patients_visit(appointment, exclude_appointment_id=appointment.pk)
        if other is not None and by_patient:
            raise BookingRefused(ALREADY_BOOKED_THEN)
        if other is not None:
            raise BookingRefused(f"This patient already has appointment {other.reference} at that time.", "starts_at")
        appointment.reminder_sent_at = None
        appointment.checked_in_at = None  # a check-in belongs to the time the patient came for
        if by_patient and settings.requires_confirmation:
            appointment.status = Appointment.Status.REQUESTED
        take_turns_for_provider(appointment.provider_id)
        try:
            with transaction.atomic():
                appointment.save(update_fields=[
                    "provider", "visit_type", "modality", "starts_at", "ends_at", "status", "reminder_sent_at", "checked_in_at",
                    "updated_at",
                ])
        except IntegrityError:
            nearest = []
            if by_patient:
                nearest = nearest_slots(appointment.visit_type, providers, starts_at, now, settings, appointment.pk)
            raise SlotUnavailable(JUST_TAKEN, nearest) from None
        notifications.queue_rescheduled(
            appointment, by_patient=by_patient, previous_provider=previous_provider if previous_provider.pk != provider.pk else None,
        )
        # A new date, clinician or visit: the good faith estimate follows (a revised one if it was sent).
        estimates.revise_for_move(appointment, now=now)
    return appointment


def why_staff_cannot_move_by_video(appointment: Appointment, provider: Provider, was_video: bool) -> BookingRefused | None:
    """A video visit moved by staff: the clinician must be licensed where the patient said they
    would be. An office visit does not become a video visit here: the patient's state and consent
    are needed, so staff book a new video visit (and cancel the office visit)."""
    if appointment.modality != Appointment.Modality.VIDEO:
        return None
    if not was_video:
        return BookingRefused(
            "An office visit cannot become a video visit here: book a new video visit (with the patient's state and "
            "consent to telehealth), then cancel this one.", "modality",
        )
    state = appointment.patient_state
    if state and provider.licence_in(state) is None:
        return BookingRefused(
            f"{provider} is not licensed in {state_name(state)}, where the patient will be during this video visit. "
            "Choose a clinician licensed there.", "provider",
        )
    return None


def cancel(appointment: Appointment, *, by_patient: bool, now: datetime | None = None) -> Appointment:
    """Cancel: a patient online until the cut-off (a second click changes nothing), staff
    any visit not over yet. The time is free again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if by_patient:
            if appointment.status == Appointment.Status.CANCELLED:
                return appointment
            if not can_change_online(appointment, now):
                raise BookingRefused("It is too late to cancel online. Please call us.")
        elif not appointment.is_active or appointment.is_over(now):
            raise BookingRefused("Only requested or confirmed visits that are not over yet can be cancelled.")
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
        notifications.queue_cancelled(appointment, by_patient=by_patient)
        estimates.withdraw_for_cancel(appointment)
        _end_requests_for_an_earlier_time([appointment], now)
    return appointment


def _end_requests_for_an_earlier_time(appointments, now: datetime):
    """A cancelled visit no longer wants an earlier time: its waitlist entries end, their offers are withdrawn."""
    entries = WaitlistEntry.objects.filter(appointment__in=appointments, status=WaitlistEntry.Status.WAITING)
    WaitlistOffer.objects.filter(entry__in=entries, status=WaitlistOffer.Status.OPEN).update(status=WaitlistOffer.Status.WITHDRAWN)
    entries.update(status=WaitlistEntry.Status.LEFT, ended_at=now)


def cancel_rest_of_series(appointment: Appointment, *, by_patient: bool, now: datetime | None = None) -> list[Appointment]:
    """This visit and every later one of its series that is still requested or confirmed: by the
    patient those they may still change online (a visit inside the cut-off stays; they call), by
    staff any not over yet. One email lists what was cancelled. Returns the visits cancelled."""
    now = now or timezone.now()
    if not appointment.series_id:
        raise BookingRefused("This visit is not part of a series.")
    with transaction.atomic():
        this_one = _locked(appointment)
        later = list(
            Appointment.objects.select_for_update(of=("self",)).select_related("provider", "visit_type")
            .filter(series_id=appointment.series_id, starts_at__gte=appointment.starts_at, status__in=Appointment.ACTIVE_STATUSES)
            .order_by("starts_at")
        )
        if not this_one.is_active and later:
            # From a visit cancelled (or moved) already, "the rest" would be visits its page never offered to cancel.
            raise BookingRefused(f"{appointment.reference} is no longer booked: cancel the later visits from their own pages.")
        settings = BookingSettings.load()
        allowed = [visit for visit in later if (can_change_online(visit, now, settings) if by_patient else not visit.is_over(now))]
        if not allowed:
            raise BookingRefused("None of these visits can be cancelled online any more. Please call us." if by_patient
                                 else "None of these visits can be cancelled: they are over or cancelled already.")
        for visit in allowed:
            visit.status, visit.cancelled_at = Appointment.Status.CANCELLED, now
            visit.save(update_fields=["status", "cancelled_at", "updated_at"])
            estimates.withdraw_for_cancel(visit)
        _end_requests_for_an_earlier_time(allowed, now)
        notifications.queue_series_cancelled(allowed, by_patient=by_patient)
    return allowed


def cancel_for_closure(appointment: Appointment, closure, *, now: datetime | None = None) -> Appointment:
    """The office closes when the visit was booked (`closure`: a `clinic.seams.Closure`, e.g. a
    snow day): cancel it, like staff's `cancel`, and tell the patient why, kindly, with the way
    to book again."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if not appointment.is_active or appointment.is_over(now):
            raise BookingRefused(f"{appointment.reference} is no longer booked (cancelled, moved or over).")
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        notifications.queue_cancelled_for_closure(appointment, closure)
        estimates.withdraw_for_cancel(appointment)
        _end_requests_for_an_earlier_time([appointment], now)
    return appointment


def notify_of_closure(appointment: Appointment, closure, *, now: datetime | None = None) -> Appointment:
    """Tell the patient the office is closed when their visit is booked, and how to move it
    (their manage link, or a call); the visit itself is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if not appointment.is_active or appointment.is_over(now):
            raise BookingRefused(f"{appointment.reference} is no longer booked (cancelled, moved or over).")
        notifications.queue_closure_notice(appointment, closure)
    return appointment


def apply_to_each(appointments, change) -> tuple[int, list[str]]:
    """Call `change` (one of this module's functions) on each appointment: how many it changed, and
    the messages of the refusals (the others are left as they were). For staff acting on several."""
    done, refusals = 0, []
    for appointment in appointments:
        try:
            change(appointment)
        except BookingRefused as refusal:
            refusals.append(refusal.message)
        else:
            done += 1
    return done, refusals


def confirm(appointment: Appointment, *, now: datetime | None = None) -> Appointment:
    """The front desk confirms a requested visit: the patient gets an updated calendar file."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.status == Appointment.Status.CONFIRMED:  # a second desk, a second click
            raise BookingRefused(f"This visit ({appointment.reference}) is already confirmed: the patient has their confirmation.")
        if appointment.status != Appointment.Status.REQUESTED or appointment.is_over(now):
            raise BookingRefused("Only requests for visits that are not over yet can be confirmed.")
        appointment.status = Appointment.Status.CONFIRMED
        appointment.save(update_fields=["status", "updated_at"])
        notifications.queue_confirmed(appointment)
    return appointment


def record_outcome(appointment: Appointment, outcome: str, *, now: datetime | None = None) -> Appointment:
    """Completed (the patient came) or no-show: what happened, once the visit has started. No email."""
    now = now or timezone.now()
    if outcome not in OUTCOMES:
        raise ValueError(f"Not an outcome: {outcome!r}")
    with transaction.atomic():
        appointment = _locked(appointment)
        if not appointment.is_active or not appointment.has_started(now):
            raise BookingRefused(f"Only requested or confirmed visits that have started can be marked {OUTCOMES[outcome]}.")
        appointment.status = outcome
        appointment.save(update_fields=["status", "updated_at"])
    return appointment


def check_in(appointment: Appointment, *, now: datetime | None = None) -> Appointment:
    """The patient has arrived (or joined the video visit): the front desk checks them in.
    Only a confirmed visit, on its day (practice time), once. No email: the patient is here.
    Completed or no-show is recorded afterwards (`record_outcome`)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.status != Appointment.Status.CONFIRMED:
            raise BookingRefused("Only confirmed visits can be checked in: confirm the request first.")
        if appointment.checked_in_at is not None:
            arrived = timezone.localtime(appointment.checked_in_at, PRACTICE_TIME_ZONE)
            raise BookingRefused(f"This patient was already checked in at {arrived:%H:%M}.")
        day = timezone.localtime(appointment.starts_at, PRACTICE_TIME_ZONE).date()
        if day != timezone.localtime(now, PRACTICE_TIME_ZONE).date():
            raise BookingRefused(f"A visit can be checked in only on its day ({date_format(day, 'l, F j')}).")
        appointment.checked_in_at = now
        appointment.save(update_fields=["checked_in_at", "updated_at"])
    return appointment


def save_staff_notes(appointment: Appointment, staff_notes: str) -> Appointment:
    """Staff's own notes about the visit: any time, whatever its status. They are never put in
    an email (no template reads them) and the audit trail masks them (appointments.audit)."""
    try:
        staff_notes = Appointment._meta.get_field("staff_notes").clean(staff_notes.strip(), None)
    except ValidationError as error:
        raise BookingRefused(error.messages[0], "staff_notes") from None
    with transaction.atomic():
        appointment = _locked(appointment)
        appointment.staff_notes = staff_notes
        appointment.save(update_fields=["staff_notes", "updated_at"])
    return appointment


def change_video_link(appointment: Appointment, video_link: str, *, now: datetime | None = None) -> Appointment:
    """A link of the visit's own instead of its room at the practice's video service ("" for the
    room). When the patient already has a way to join (a confirmed video visit not over yet) and
    it changes, they are emailed the new link, with a calendar file that updates the event."""
    now = now or timezone.now()
    try:
        video_link = Appointment._meta.get_field("video_link").clean(video_link, None)
    except ValidationError as error:
        raise BookingRefused(error.messages[0], "video_link") from None
    with transaction.atomic():
        appointment = _locked(appointment)
        before = appointment.join_link()
        appointment.video_link = video_link
        appointment.save(update_fields=["video_link", "updated_at"])
        if appointment.join_link() != before and appointment.join_link() and not appointment.is_over(now):
            notifications.queue_video_link_changed(appointment)
    return appointment


def change_coverage(appointment: Appointment, answer: CoverageAnswer, *, now: datetime | None = None) -> Appointment:
    """The patient tells the front desk they will pay another way (e.g. they found their insurance
    card, or will pay themselves after all): the same rule as at booking, and the good faith
    estimate follows (made when the visit becomes self-pay, withdrawn when it no longer is)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if not appointment.is_active or appointment.is_over(now):
            raise BookingRefused("This visit is over or cancelled: how it is paid can no longer be changed here.", "coverage")
        _record_coverage(appointment, answer)
        appointment.save(update_fields=["coverage", "insurance_plan", "insurance_plan_name", "updated_at"])
        estimates.follow_coverage(appointment, now=now)
    return appointment


def send_new_manage_link(appointment: Appointment, *, now: datetime | None = None) -> Appointment:
    """A new manage link, emailed to the patient; every link sent before stops working (a lost
    or forwarded email). Only for visits that are requested or confirmed and not over."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if not appointment.is_active or appointment.is_over(now):
            raise BookingRefused("Only requested or confirmed visits that are not over yet get a new link.")
        appointment.issue_manage_token()
        appointment.save(update_fields=["manage_nonce", "manage_token_hash", "updated_at"])
        notifications.queue_new_manage_link(appointment)
    return appointment


# Reminders go out in the daytime only (practice time): never in the night.
DAYTIME_STARTS, DAYTIME_ENDS = time(8), time(20)


def reminder_due_at(starts_at: datetime, settings: BookingSettings) -> datetime:
    """When a visit's reminder is due: the booking settings' reminder time on the day before
    the visit, on the practice's wall clock (DST-safe, `clinic.hours.at_wall_clock`)."""
    day = timezone.localtime(starts_at, PRACTICE_TIME_ZONE).date()
    return at_wall_clock(day - timedelta(days=1), settings.reminder_time)


def is_daytime(now: datetime) -> bool:
    return DAYTIME_STARTS <= timezone.localtime(now, PRACTICE_TIME_ZONE).time() < DAYTIME_ENDS


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every confirmed visit whose reminder is due (`reminder_due_at`,
    10:00 the day before by default) and not sent; returns how many were queued. Only in the
    daytime (8:00 to 20:00 practice time): a visit booked or confirmed after the reminder
    time gets its reminder at once if it is daytime, otherwise the next morning if that is
    still before the visit. Requests not confirmed yet get none (nothing to remind of).

    Safe to run twice at once: each appointment is marked with a conditional update, in the
    same transaction as its reminder, and only the run whose update changed the row queues
    the reminder. A moved visit is reminded again."""
    now = now or timezone.now()
    if not is_daytime(now):
        return 0
    settings = BookingSettings.load(fresh=True)
    until = day_window(timezone.localtime(now, PRACTICE_TIME_ZONE).date() + timedelta(days=1))[1]
    candidates = Appointment.objects.filter(
        status=Appointment.Status.CONFIRMED, starts_at__gt=now, starts_at__lt=until, reminder_sent_at__isnull=True
    )
    queued = 0
    for appointment_id, starts_at in list(candidates.values_list("pk", "starts_at")):
        if reminder_due_at(starts_at, settings) > now:
            continue
        with transaction.atomic():
            if not candidates.filter(pk=appointment_id).update(reminder_sent_at=now):
                continue  # Another run got there first, or the visit was cancelled or moved meanwhile.
            appointment = Appointment.objects.select_related("provider", "visit_type").get(pk=appointment_id)
            notifications.queue_reminder(appointment, now=now)
            queued += 1
    return queued

"""The waitlist (issue 17): patients who would take a time that frees up, offered it by email.

- `join`: a patient asks for a visit type, a provider or any, a date range, mornings and/or
  afternoons and the weekdays that suit (or, already booked, an earlier time: `appointment`).
- `make_offers` (the outbox worker, every minute; `manage.py send_outbox --forever`): every free
  time on the online rules (a cancellation, a move, new working hours or a lifted closure frees
  one) that suits a waiting patient is offered to the first of them by joining order, one open
  offer per patient and per time, never the same time twice to one patient, and only from 8:00
  to 20:00 (quiet hours: offers wait for the morning). An offer can be claimed for the practice's
  `waitlist_claim_minutes` (default 2 hours, never past the minimum notice before the visit),
  counted from when its email goes out (the outbox sets `emailed_at` and `expires_at` as it sends:
  a mail outage does not use up the patient's time); unclaimed, it expires and the time goes to
  the next patient.
- `claim`: books the time (or moves the patient's visit to it) through `appointments.booking`,
  so the no-overlap rule decides between any number of claims at once and a booking made
  directly meanwhile: the first gets it, everyone else is told kindly it has gone and stays on
  the list. A claim link used again shows what it booked.
- `leave`; `offer_by_hand` (the front desk, from the admin's waitlist); `expire` (entries past
  their last day, offers past their time).

Emails go through the outbox like every other (`appointments.notifications`); their subjects
carry no visit detail, and their links are made when they are sent.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from appointments import booking, notifications
from appointments.booking import BookingRefused, SlotUnavailable
from appointments.coverage import CoverageAnswer, CoverageRefused, check_coverage
from appointments.loader import load_slots, providers_for
from appointments.models import (
    CONTACT_FIELDS, Appointment, BookingSettings, VisitType, WaitlistEntry, WaitlistOffer, insert_without_patient_values,
)
from clinic.hours import later_by
from clinic.models import Provider

NOON = time(12)
# The shortest claim window worth offering: less, and the patient may not read the email in time.
SHORTEST_CLAIM = timedelta(minutes=10)
GONE = ("Sorry: someone else took this time a moment before you. You are still on our waitlist, "
        "and we will email you when another time that suits you frees up.")
EXPIRED = ("This offer has expired, so the time was offered to the next patient on the list. You are still on our "
           "waitlist, and we will email you when another time that suits you frees up.")
LEFT = "You have left the waitlist, so this offer is no longer open."


class WaitlistRefused(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class OfferGone(Exception):
    """The offer cannot be claimed (taken, expired, withdrawn): `message` says so kindly."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AlreadyClaimed(Exception):
    """The claim link was used already (a double click, a second tab): `appointment` is what it booked."""

    def __init__(self, appointment):
        super().__init__("already claimed")
        self.appointment = appointment


class AlreadyJoined(Exception):
    """The same join form sent again: `entry` is what it made."""

    def __init__(self, entry):
        super().__init__("already joined")
        self.entry = entry


@dataclass(frozen=True)
class Wish:
    """What a waitlisted patient would take."""

    visit_type: VisitType
    provider: Provider | None
    first_day: date
    last_day: date
    mornings: bool
    afternoons: bool
    weekdays: str  # digits 0 (Monday) to 6


def check_wish(wish: Wish, is_new_patient: bool | None, now: datetime, settings: BookingSettings):
    """Raise WaitlistRefused when the wish cannot be on the list (`field` names the form field)."""
    try:
        booking.check_request(wish.visit_type, Appointment.Modality.IN_OFFICE, wish.provider.pk if wish.provider else None,
                              is_new_patient)
    except BookingRefused as refusal:
        raise WaitlistRefused(refusal.message, refusal.field) from None
    today = timezone.localdate(now)
    last_bookable = today + timedelta(days=settings.horizon_days)
    if wish.first_day < today:
        raise WaitlistRefused("Please choose a first day from today on.", "first_day")
    if wish.last_day < wish.first_day:
        raise WaitlistRefused("The last day must be on or after the first day.", "last_day")
    if wish.last_day > last_bookable:
        raise WaitlistRefused(f"We book up to {settings.horizon_days} days ahead: please choose a last day on or before "
                              f"{date_format(last_bookable, 'l, F j')}.", "last_day")
    if not (wish.mornings or wish.afternoons):
        raise WaitlistRefused("Please tick mornings, afternoons or both.", "times_of_day")
    if not wish.weekdays or any(digit not in "0123456" for digit in wish.weekdays):
        raise WaitlistRefused("Please tick at least one day of the week.", "weekdays")


def join(*, wish: Wish, patient: dict, coverage: CoverageAnswer | None = None, form_key: str | None = None,
         appointment: Appointment | None = None, now: datetime | None = None) -> WaitlistEntry:
    """Put the patient on the list (`appointment`: their booked visit, to move earlier) and email them
    the link to see or leave it. The same form sent again raises AlreadyJoined with its entry."""
    now = now or timezone.now()
    entry = WaitlistEntry(
        **patient, visit_type=wish.visit_type, provider=wish.provider, first_day=wish.first_day, last_day=wish.last_day,
        mornings=wish.mornings, afternoons=wish.afternoons, weekdays=wish.weekdays, appointment=appointment,
        form_key=form_key or None,
    )
    try:
        entry.full_clean(exclude=["visit_type", "provider", "appointment", "patient", "reference", "link_nonce", "form_key",
                                  "insurance_plan"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, problems = next(iter(error.message_dict.items()))
        raise WaitlistRefused(problems[0], None if field == "__all__" else field) from None
    with transaction.atomic():
        if entry.form_key:
            earlier = WaitlistEntry.objects.filter(form_key=entry.form_key).first()
            if earlier is not None:
                raise AlreadyJoined(earlier)
        if appointment is not None:
            # One request for an earlier time per visit (a form sent twice, or twice from its page).
            earlier = WaitlistEntry.objects.select_for_update().filter(appointment=appointment, status=WaitlistEntry.Status.WAITING).first()
            if earlier is not None:
                raise AlreadyJoined(earlier)
            if wish.first_day >= timezone.localtime(appointment.starts_at).date():
                raise WaitlistRefused("Please choose days before your visit: only an earlier time can move it.", "first_day")
        check_wish(wish, None if appointment else patient.get("is_new_patient"), now, BookingSettings.load(fresh=True))
        if coverage is not None:
            try:
                checked = check_coverage(wish.visit_type, coverage)
            except CoverageRefused as refusal:
                raise WaitlistRefused(refusal.message, refusal.field) from None
            entry.coverage, entry.insurance_plan, entry.insurance_plan_name = checked.coverage, checked.plan, checked.plan_name
        if appointment is not None:
            entry.patient = appointment.patient
        insert_without_patient_values(entry, private=[*CONTACT_FIELDS, "coverage", "insurance_plan", "insurance_plan_name", "link_nonce"])
        notifications.queue_waitlist_joined(entry)
    return entry


def matches(entry: WaitlistEntry, starts_at: datetime, provider_id: int) -> bool:
    """Whether a free time suits the entry: its provider (or any), days, weekdays and time of day;
    for a patient already booked, only an earlier time than theirs."""
    if entry.provider_id is not None and entry.provider_id != provider_id:
        return False
    local = timezone.localtime(starts_at)
    if not entry.first_day <= local.date() <= entry.last_day or str(local.weekday()) not in entry.weekdays:
        return False
    if not (entry.mornings if local.time() < NOON else entry.afternoons):
        return False
    return entry.appointment is None or starts_at < entry.appointment.starts_at


def expire(now: datetime | None = None, settings: BookingSettings | None = None) -> None:
    """Entries whose last day has passed end; offers past their time expire (their time goes to the next
    patient). An offer whose email has not gone out yet (the mail server is down) keeps its time, which
    runs from the email, until its visit is inside the minimum notice: nobody could have claimed it."""
    now = now or timezone.now()
    WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING, last_day__lt=timezone.localdate(now)).update(
        status=WaitlistEntry.Status.EXPIRED, ended_at=now,
    )
    notice = (settings or BookingSettings.load(fresh=True)).minimum_notice
    WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN).filter(
        Q(emailed_at__isnull=False, expires_at__lte=now) | Q(starts_at__lte=now + notice)
    ).update(status=WaitlistOffer.Status.EXPIRED)


# The key space of the advisory lock that lets one worker at a time make offers (PostgreSQL).
OFFERS_LOCK = 2


def _one_offer_maker_at_a_time() -> bool:
    """On PostgreSQL, whether this transaction may make offers now (another worker is at it otherwise)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [OFFERS_LOCK])
        return cursor.fetchone()[0]


def make_offers(now: datetime | None = None) -> int:
    """Offer free times to the waitlisted patients they suit (see the module's docstring). Returns how many offers were made."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _one_offer_maker_at_a_time():
            return 0
        settings = BookingSettings.load(fresh=True)
        expire(now, settings)
        if not booking.is_daytime(now):
            return 0  # quiet hours: the offers wait for the morning
        entries = list(
            WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
            .select_related("visit_type", "appointment").order_by("created_at", "pk")
        )
        if not entries:
            return 0
        open_offers = list(WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN))
        waiting_on_an_offer = {offer.entry_id for offer in open_offers}
        offered = {offer.provider_id: [] for offer in open_offers}
        for offer in open_offers:
            offered[offer.provider_id].append((offer.starts_at, offer.ends_at))
        offered_before = set(
            WaitlistOffer.objects.filter(entry__in=entries).values_list("entry_id", "provider_id", "starts_at")
        )
        today = timezone.localdate(now)
        made = 0
        for visit_type in {entry.visit_type_id: entry.visit_type for entry in entries}.values():
            group = [entry for entry in entries if entry.visit_type_id == visit_type.pk and entry.pk not in waiting_on_an_offer]
            providers = providers_for(visit_type, Appointment.Modality.IN_OFFICE)
            if not group or not providers:
                continue
            days = (max(entry.last_day for entry in group) - today).days + 1
            for slot in sorted(load_slots(visit_type, providers, today, max(days, 1), now, settings)):
                if any(start < slot.ends_at and slot.starts_at < end for start, end in offered.get(slot.provider_id, ())):
                    continue  # offered already (or a time overlapping it): one patient at a time
                # As if emailed at once; the outbox sets it again when the email goes out.
                expires_at = settings.waitlist_claim_until(slot.starts_at, now)
                if expires_at - now < SHORTEST_CLAIM:
                    continue
                for entry in group:
                    if entry.pk in waiting_on_an_offer or (entry.pk, slot.provider_id, slot.starts_at) in offered_before:
                        continue
                    if not matches(entry, slot.starts_at, slot.provider_id):
                        continue
                    _offer(entry, slot.provider_id, slot.starts_at, slot.ends_at, now, expires_at)
                    waiting_on_an_offer.add(entry.pk)
                    offered.setdefault(slot.provider_id, []).append((slot.starts_at, slot.ends_at))
                    made += 1
                    break
    return made


def _offer(entry, provider_id, starts_at, ends_at, now, expires_at, by_staff=False) -> WaitlistOffer:
    offer = WaitlistOffer.objects.create(
        entry=entry, provider_id=provider_id, starts_at=starts_at, ends_at=ends_at, offered_at=now, expires_at=expires_at,
        by_staff=by_staff,
    )
    notifications.queue_waitlist_offer(offer)
    return offer


def offer_by_hand(entries, *, provider: Provider, starts_at: datetime, now: datetime | None = None) -> list[WaitlistOffer]:
    """The front desk offers one time to the chosen waiting patients (emailed at once, whatever the
    hour: staff chose to). The time must be free on the online rules, since claiming books it online."""
    now = now or timezone.now()
    with transaction.atomic():
        entries = list(WaitlistEntry.objects.select_for_update().filter(pk__in=[entry.pk for entry in entries]).select_related("visit_type"))
        waiting = [entry for entry in entries if entry.status == WaitlistEntry.Status.WAITING]
        if not waiting:
            raise WaitlistRefused("None of the chosen patients is waiting any more.")
        visit_types = {entry.visit_type_id for entry in waiting}
        if len(visit_types) > 1:
            raise WaitlistRefused("Choose patients waiting for the same visit type: the time's length depends on it.")
        visit_type = waiting[0].visit_type
        settings = BookingSettings.load(fresh=True)
        if booking.offered_provider(visit_type, [provider], starts_at, now, any_provider=False, settings=settings) is None:
            raise WaitlistRefused("That time is not free online with this provider (taken, outside their hours or too soon). "
                                  "Choose a time the booking page offers.", "starts_at")
        expires_at = settings.waitlist_claim_until(starts_at, now)
        if expires_at - now < SHORTEST_CLAIM:
            raise WaitlistRefused("That time is too soon to offer: patients need time to claim it.", "starts_at")
        ends_at = later_by(starts_at, visit_type.duration)
        return [_offer(entry, provider.pk, starts_at, ends_at, now, expires_at, by_staff=True) for entry in waiting]


def claim(offer: WaitlistOffer, now: datetime | None = None) -> Appointment:
    """Book the offered time for the patient (or move their visit to it). Raises OfferGone (with
    words for the patient) when it cannot be had, and AlreadyClaimed when this offer booked already."""
    now = now or timezone.now()
    refusal = None
    with transaction.atomic():
        # Claims of one provider's times take turns from here (PostgreSQL), before any row is locked: the
        # winner marks the others' offers gone, which must not wait on a row a loser holds while the loser
        # waits for its turn. Then the entry before the offer, in the order `leave` locks them.
        unlocked = WaitlistOffer.objects.only("provider_id", "entry_id").get(pk=offer.pk)
        booking.take_turns_for_provider(unlocked.provider_id)
        WaitlistEntry.objects.select_for_update().filter(pk=unlocked.entry_id).first()
        offer = (WaitlistOffer.objects.select_for_update(of=("self",)).select_related("entry", "entry__visit_type", "provider")
                 .get(pk=offer.pk))
        entry = offer.entry
        if offer.status == WaitlistOffer.Status.CLAIMED and offer.appointment_id:
            raise AlreadyClaimed(offer.appointment)
        if offer.has_run_out(now):
            offer.status = WaitlistOffer.Status.EXPIRED
            offer.save(update_fields=["status"])
        if offer.status != WaitlistOffer.Status.OPEN:
            refusal = unclaimable_because(offer, now)
        else:
            try:
                with transaction.atomic():
                    appointment = _book_the_offer(offer, entry, now)
            except SlotUnavailable:
                offer.status = WaitlistOffer.Status.GONE
                offer.save(update_fields=["status"])
                refusal = GONE
            except BookingRefused as refused:
                # Not taken: this patient cannot have it online (too late to move their visit, a plan no
                # longer taken…). Said as it is; the entry ends, so no more offers meet the same refusal.
                offer.status = WaitlistOffer.Status.WITHDRAWN
                offer.save(update_fields=["status"])
                WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.EXPIRED, ended_at=now)
                WaitlistOffer.objects.filter(entry=entry, status=WaitlistOffer.Status.OPEN).update(status=WaitlistOffer.Status.WITHDRAWN)
                refusal = f"We could not book this time for you online: {refused.message} You are no longer on the waitlist for it."
            else:
                offer.status, offer.claimed_at, offer.appointment = WaitlistOffer.Status.CLAIMED, now, appointment
                offer.save(update_fields=["status", "claimed_at", "appointment"])
                WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.BOOKED, ended_at=now)
                WaitlistOffer.objects.filter(entry=entry, status=WaitlistOffer.Status.OPEN).update(status=WaitlistOffer.Status.WITHDRAWN)
                # Anyone else offered this time (or one overlapping it) is told it has gone when they open their link.
                WaitlistOffer.objects.filter(
                    status=WaitlistOffer.Status.OPEN, provider=offer.provider,
                    starts_at__lt=appointment.ends_at, ends_at__gt=appointment.starts_at,
                ).update(status=WaitlistOffer.Status.GONE)
    if refusal is not None:
        raise OfferGone(refusal)
    return appointment


def unclaimable_because(offer: WaitlistOffer, now: datetime) -> str:
    """Why an offer can no longer be claimed, in words for the patient ("" while it can)."""
    if offer.status == WaitlistOffer.Status.OPEN and not offer.has_run_out(now):
        return ""
    if offer.status == WaitlistOffer.Status.WITHDRAWN:
        return LEFT
    if offer.status in (WaitlistOffer.Status.OPEN, WaitlistOffer.Status.EXPIRED):
        return EXPIRED  # an open offer past its time has expired, whether or not marked so yet
    return GONE


def _book_the_offer(offer, entry, now) -> Appointment:
    if entry.appointment_id is not None:
        # An earlier time for a booked visit: only ever a move, and only earlier.
        visit = Appointment.objects.get(pk=entry.appointment_id)
        if not visit.is_active:
            raise BookingRefused("the visit you wanted to move is cancelled.")
        if offer.starts_at >= visit.starts_at:
            raise BookingRefused("this time is not earlier than your visit.")
        return booking.move(visit, starts_at=offer.starts_at, by_patient=True, provider=offer.provider, now=now)
    answer = coverage_of(entry)
    return booking.book(
        visit_type=entry.visit_type, modality=Appointment.Modality.IN_OFFICE, starts_at=offer.starts_at,
        patient=entry.contact_details(), provider_id=offer.provider_id, coverage=answer, now=now,
    ).appointment


def coverage_of(entry: WaitlistEntry) -> CoverageAnswer | None:
    """How the patient said they would pay, as the booking form's answer (checked again when booked)."""
    if not entry.coverage:
        return None
    if entry.coverage != Appointment.Coverage.INSURANCE:
        return CoverageAnswer(entry.coverage)
    if entry.insurance_plan_id is not None:
        return CoverageAnswer(entry.coverage, entry.insurance_plan_id)
    return CoverageAnswer(entry.coverage, plan_name=entry.insurance_plan_name, not_listed=True)


def leave(entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    """The patient leaves the list (a second press changes nothing); their open offers are withdrawn."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == WaitlistEntry.Status.WAITING:
            entry.status, entry.ended_at = WaitlistEntry.Status.LEFT, now
            entry.save(update_fields=["status", "ended_at"])
            WaitlistOffer.objects.filter(entry=entry, status=WaitlistOffer.Status.OPEN).update(status=WaitlistOffer.Status.WITHDRAWN)
    return entry


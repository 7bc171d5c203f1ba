"""Good faith estimates for patients who are uninsured or not using their insurance
(No Surprises Act; 45 CFR 149.610), each change made by one function here:

- `create_for_booking`: a self-pay booking (called by `booking.book`/`book_for_staff` in their transaction);
- `create_for_request`: a patient asks for one without booking (/estimates/ask/);
- `issue`: fix the snapshot and queue the email to the patient (at once when the visit type
  has its expected items; otherwise the front desk's "Send estimate now");
- `revise_for_move`: the visit moved (or changed) — see below; `withdraw_for_cancel`: the visit was cancelled;
- `follow_coverage`: staff changed how a booked visit is paid (creates or withdraws).

Due dates (149.610(b)(1)(vi)), counted in business days, which 149.610(a)(2) defines as the
days the convening provider offers items or services: here, the days the practice is open
(weekly office hours, less holiday closures):
- visit at least 10 business days after scheduling: within 3 business days of scheduling;
- at least 3 business days: within 1 business day;
- fewer than 3: the rule sets no deadline, but we still give it, by the end of the next
  business day or before the visit starts, whichever is first;
- asked for without booking: within 3 business days of the request.
"Within N business days" is read as by the end (midnight, practice time) of the Nth
business day after the day of scheduling.

Why estimates are sent automatically: the items and charges are set in advance per visit
type, so an estimate can be issued in the booking's own transaction and reach the patient
within seconds, well inside any deadline. A visit type with no items yet (or a practice
without its NPI and tax ID) leaves the estimate "to prepare": the front desk sees it coming
due and overdue in the admin, and sends it once the items are in.

Delivery is the outbox's: `GoodFaithEstimate.message` is the email, and the outbox records
when it went out (`GoodFaithEstimate.delivered_at`).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import notifications
from appointments.loader import practice_hours
from appointments.models import Appointment, GoodFaithEstimate, VisitType, insert_without_patient_values, new_link_nonce
from clinic.hours import PRACTICE_TIME_ZONE, PracticeHours, day_window
from clinic.models import Practice

# A practice closed for longer than this (no office hours entered) counts calendar days instead:
# a deadline must exist even then.
SEARCH_DAYS = 366

# The disclaimers an estimate carries (149.610(c)(1)(vi)–(ix)), in our own words. Stored per
# estimate by version, so an estimate always shows the words it was issued with.
NOTICE_VERSION = "2026-12"
NOTICES = {
    "2026-12": {
        "estimate_only": (
            "This is an estimate, not a bill. It lists the items and services we reasonably expect to provide for the "
            "visit named above, with the charges we expect for a patient paying themselves, as we know them on the day "
            "it was issued. The actual items, services and charges may differ from this estimate."
        ),
        "other_items": (
            "Other items or services may be recommended once you are seen, for example a further treatment or a "
            "medicine. They are not part of this estimate and may need to be scheduled, and estimated, separately. "
            "Facilities or other providers you are referred to give their own estimates."
        ),
        "not_a_contract": (
            "This estimate is not a contract. It does not require you to receive the items or services listed, "
            "from us or from anyone else."
        ),
        "dispute": (
            "You have the right to start the patient-provider dispute resolution process if you are billed $400 or "
            "more above this estimate by our practice. You must start it within 120 calendar days of the date of the "
            "first bill. Starting it will not affect the quality of the care you receive from us. Keep a copy or a "
            "picture of this estimate and of your bill. To learn more, or to start a dispute, visit "
            "www.cms.gov/nosurprises or call 1-800-985-3059."
        ),
    }
}


def notices_for(version: str) -> dict:
    return NOTICES.get(version) or NOTICES[NOTICE_VERSION]


class EstimateRefused(Exception):
    """The change is not possible (e.g. nothing to put in the estimate yet); `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- When an estimate is due (pure: plain values, no database) --------------------------


def business_days_after(day: date, hours: PracticeHours) -> Iterator[date]:
    """The business days after `day`, in order: days the practice is open (holiday closures
    excluded). Calendar days if it has no open day within a year (nothing entered yet)."""
    found = False
    for offset in range(1, SEARCH_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if not hours.hours_on(candidate).is_closed:
            found = True
            yield candidate
    if not found:
        for offset in range(1, SEARCH_DAYS + 1):
            yield day + timedelta(days=offset)


def nth_business_day_after(day: date, count: int, hours: PracticeHours) -> date:
    for number, business_day in enumerate(business_days_after(day, hours), start=1):
        if number == count:
            return business_day
    return day + timedelta(days=count)  # beyond a year of closures: calendar days


def business_days_between(first: date, last: date, hours: PracticeHours) -> int:
    """Business days after `first` up to and including `last` (0 if `last` is not after `first`):
    a visit on Thursday booked on Monday of an open week is 3 business days away."""
    return sum(1 for offset in range(1, (last - first).days + 1) if not hours.hours_on(first + timedelta(days=offset)).is_closed)


@dataclass(frozen=True)
class Due:
    at: datetime
    business_days: int  # 1 or 3: the deadline in business days
    required: bool  # False for a visit fewer than 3 business days away (the practice gives it anyway)


def end_of(day: date) -> datetime:
    return day_window(day)[1]


def estimate_due(scheduled_at: datetime, service_starts_at: datetime, hours: PracticeHours) -> Due:
    """When the estimate of a visit booked at `scheduled_at` for `service_starts_at` is due
    (149.610(b)(1)(vi)(A), (B)); see the module's docstring for a visit fewer than 3 business days away."""
    booked_day = timezone.localtime(scheduled_at, PRACTICE_TIME_ZONE).date()
    service_day = timezone.localtime(service_starts_at, PRACTICE_TIME_ZONE).date()
    lead = business_days_between(booked_day, service_day, hours)
    if lead >= 10:
        return Due(end_of(nth_business_day_after(booked_day, 3, hours)), 3, True)
    if lead >= 3:
        return Due(end_of(nth_business_day_after(booked_day, 1, hours)), 1, True)
    return Due(min(end_of(nth_business_day_after(booked_day, 1, hours)), service_starts_at), 1, False)


def request_due(asked_at: datetime, hours: PracticeHours) -> Due:
    """An estimate asked for without booking: within 3 business days of the request (149.610(b)(1)(vi)(C))."""
    asked_day = timezone.localtime(asked_at, PRACTICE_TIME_ZONE).date()
    return Due(end_of(nth_business_day_after(asked_day, 3, hours)), 3, True)


# --- Changes ------------------------------------------------------------------------------

PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone")
# Written after the insert, never in it: a refused insert is logged whole by PostgreSQL (NOTES.md).
PRIVATE_FIELDS = [*PATIENT_FIELDS, "coverage", "expected_date"]


def _snapshot_items(visit_type: VisitType) -> tuple[list[dict], Decimal]:
    items, total = [], Decimal("0.00")
    for item in visit_type.estimate_items.all():
        line = item.charge * item.quantity
        total += line
        items.append({
            "code_type": item.code_type, "code": item.code, "description": item.description,
            "quantity": item.quantity, "charge": str(item.charge), "line_total": str(line),
        })
    return items, total


def why_cannot_issue(estimate: GoodFaithEstimate, practice: Practice | None) -> str:
    """Why this estimate cannot be sent yet ("" if it can)."""
    if estimate.status != GoodFaithEstimate.Status.TO_PREPARE:
        return f"Estimate {estimate.reference} is not waiting to be sent ({estimate.get_status_display().lower()})."
    if practice is None or not practice.npi or not practice.tax_id:
        return "Enter the practice's NPI and tax ID in the practice details first: every estimate must show them."
    if estimate.visit_type is None:
        return f"Estimate {estimate.reference} has no visit: choose the visit it is for first."
    if not estimate.visit_type.estimate_items.exists():
        return f"Add the expected items (codes and charges) to the visit type “{estimate.visit_type}” first."
    # Patients were shown the price: an estimate that says otherwise must not go out.
    return price_disagreement(estimate.visit_type)


def price_disagreement(visit_type: VisitType) -> str:
    """What to fix when a visit type's expected items do not add up to its self-pay price ("" if they do)."""
    price = visit_type.self_pay_price
    items, total = _snapshot_items(visit_type)
    if price is None or not items or total == price:
        return ""
    return (f"The expected items of “{visit_type}” add up to ${total:,.2f}, but its self-pay price is ${price:,.2f}: "
            "correct the items or the price on the visit type first.")


def _issue_locked(estimate: GoodFaithEstimate, now: datetime) -> GoodFaithEstimate:
    """Fix the snapshot and queue the email. The estimate is locked by the caller, or new."""
    practice = Practice.load(fresh=True)
    problem = why_cannot_issue(estimate, practice)
    if problem:
        raise EstimateRefused(problem)
    visit_type = estimate.visit_type
    estimate.items, estimate.total = _snapshot_items(visit_type)
    estimate.service_name = visit_type.name
    estimate.practice_name = " ".join(practice.name.split())
    estimate.practice_address = ", ".join(practice.address_lines)
    estimate.practice_phone = practice.phone_display
    estimate.practice_npi, estimate.practice_tax_id = practice.npi, practice.tax_id
    appointment = estimate.appointment
    if appointment is not None:
        estimate.provider_name = appointment.provider.display_name
        estimate.provider_npi = appointment.provider.npi
        estimate.service_starts_at = appointment.starts_at
    estimate.notice_version = NOTICE_VERSION
    estimate.status = GoodFaithEstimate.Status.SENT
    estimate.issued_at = now
    estimate.save()
    estimate.message = notifications.queue_estimate(estimate)
    estimate.save(update_fields=["message", "updated_at"])
    return estimate


def _can_issue_now(estimate: GoodFaithEstimate) -> bool:
    return not why_cannot_issue(estimate, Practice.load(fresh=True))


def create_for_booking(appointment: Appointment, *, now: datetime, supersedes: GoodFaithEstimate | None = None) -> GoodFaithEstimate:
    """The estimate of a self-pay booking, in the booking's transaction: issued at once when
    it can be, otherwise left for the front desk, due as the rule says."""
    due = estimate_due(now, appointment.starts_at, practice_hours(fresh=True))
    estimate = GoodFaithEstimate(
        source=GoodFaithEstimate.Source.BOOKING, appointment=appointment, visit_type=appointment.visit_type,
        coverage=appointment.coverage, service_starts_at=appointment.starts_at, due_at=due.at, supersedes=supersedes,
        provider_name=appointment.provider.display_name, service_name=appointment.visit_type.name,
        **{name: getattr(appointment, name) for name in PATIENT_FIELDS},
    )
    insert_without_patient_values(estimate, private=PRIVATE_FIELDS)
    if _can_issue_now(estimate):
        return _issue_locked(estimate, now)
    return estimate


def create_for_request(details: dict, *, form_key: str | None = None, now: datetime | None = None) -> GoodFaithEstimate:
    """A patient asks for an estimate without booking (`details`: PATIENT_FIELDS, `visit_type`,
    `coverage`, `expected_date`): saved for the front desk, due in 3 business days, with the front
    desk's alert. Sent again with the same `form_key`, the estimate it saved comes back."""
    now = now or timezone.now()
    estimate = GoodFaithEstimate(
        source=GoodFaithEstimate.Source.REQUEST, form_key=form_key or None, link_nonce=new_link_nonce(),
        due_at=request_due(now, practice_hours(fresh=True)).at, **details,
    )
    if estimate.visit_type is not None:
        estimate.service_name = estimate.visit_type.name
    try:
        estimate.full_clean(exclude=["reference", "form_key", "link_nonce", "visit_type"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, problems = next(iter(error.message_dict.items()))
        raise EstimateRefused(problems[0], None if field == "__all__" else field) from None
    sent_before = GoodFaithEstimate.objects.filter(form_key=estimate.form_key)
    with transaction.atomic():
        if estimate.form_key and sent_before.exists():
            return sent_before.get()
        try:
            insert_without_patient_values(estimate, private=PRIVATE_FIELDS)
        except IntegrityError:
            # The same form, sent twice at once: the other sending saved it.
            if not estimate.form_key or not sent_before.exists():
                raise
            return sent_before.get()
        notifications.queue_estimate_requested(estimate)
    return estimate


def _locked(estimate: GoodFaithEstimate) -> GoodFaithEstimate:
    return (
        GoodFaithEstimate.objects.select_for_update(of=("self",))
        .select_related("appointment__provider", "visit_type")
        .get(pk=estimate.pk)
    )


def issue(estimate: GoodFaithEstimate, *, now: datetime | None = None) -> GoodFaithEstimate:
    """The front desk sends an estimate waiting to be prepared: the snapshot is fixed from the
    visit type's items now, and the email queued. `EstimateRefused` says what is missing."""
    now = now or timezone.now()
    with transaction.atomic():
        return _issue_locked(_locked(estimate), now)


def withdraw_for_cancel(appointment: Appointment) -> int:
    """The visit was cancelled (or is no longer self-pay): its current estimate is withdrawn. The
    patient's cancellation email is enough; no email about the estimate. Returns how many."""
    return GoodFaithEstimate.objects.filter(appointment=appointment).current().update(
        status=GoodFaithEstimate.Status.WITHDRAWN, updated_at=timezone.now(),
    )


def revise_for_move(appointment: Appointment, *, now: datetime) -> GoodFaithEstimate | None:
    """The visit moved, or its clinician or visit type changed (in the caller's transaction).

    One waiting to be prepared takes the new date, clinician and visit, and its due date is
    counted again from now (a move is a new scheduling). One already sent is superseded by a
    revised estimate, issued the same way as a new one, if the date of service, the clinician
    or the visit changed: the patient's copy must match the visit. A visit that is not self-pay
    gets nothing."""
    estimate = GoodFaithEstimate.objects.filter(appointment=appointment).current().select_for_update(of=("self",)).first()
    if estimate is None:
        return create_for_booking(appointment, now=now) if appointment.needs_good_faith_estimate else None
    if estimate.status == GoodFaithEstimate.Status.TO_PREPARE:
        estimate.service_starts_at = appointment.starts_at
        estimate.visit_type = appointment.visit_type
        estimate.service_name = appointment.visit_type.name
        estimate.provider_name = appointment.provider.display_name
        estimate.due_at = estimate_due(now, appointment.starts_at, practice_hours(fresh=True)).at
        estimate.save()
        return estimate
    unchanged = (
        estimate.service_starts_at == appointment.starts_at
        and estimate.visit_type_id == appointment.visit_type_id
        and estimate.provider_name == appointment.provider.display_name
    )
    if unchanged:
        return estimate
    estimate.status = GoodFaithEstimate.Status.SUPERSEDED
    estimate.save(update_fields=["status", "updated_at"])
    return create_for_booking(appointment, now=now, supersedes=estimate)


def follow_coverage(appointment: Appointment, *, now: datetime | None = None) -> GoodFaithEstimate | None:
    """Staff changed how the visit is paid (in the caller's transaction, after saving it): a visit
    now self-pay gets its estimate, due counted from now (149.610 counts from when the patient
    said so); one no longer self-pay has its estimate withdrawn. For whoever changes `coverage`
    after booking to call."""
    now = now or timezone.now()
    if not appointment.needs_good_faith_estimate:
        withdraw_for_cancel(appointment)
        return None
    return revise_for_move(appointment, now=now)


def current_for(appointment: Appointment) -> GoodFaithEstimate | None:
    """The appointment's estimate as the patient should see it: the newest not withdrawn or replaced."""
    return GoodFaithEstimate.objects.filter(appointment=appointment).current().order_by("-created_at").first()

"""Every change to a telehealth request, each made by one function here:

- `request_call_back`: a patient asks to be called back to arrange a video visit;
- `mark_contacted`, `close` (with a reason), `reopen` and `save_notes`: the front desk's follow-up;
- `schedule_from_request`: the front desk books the visit (`booking.book_for_staff`), usually
  by video, and links it to the request, in one transaction.

A new request joins its patient's record, or makes one (`appointments.patients`), and the visit
booked from it goes to the same record. Like `appointments.booking`, each is atomic, re-checks the request under a lock, queues
its emails in the same transaction, and raises `BookingRefused` for the caller to show.
The rules themselves (a closed request has a reason, a scheduled one has its visit)
live in the model, where the database holds them too.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from appointments import booking, notifications, patients
from appointments.booking import Booking, BookingRefused, refusal_from
from appointments.models import CONTACT_FIELDS, Appointment, TelehealthRequest, VisitType, insert_without_patient_values
from clinic.models import Provider

NO_LONGER_OPEN = (
    "This telehealth request already has a visit booked or was closed. Open the request to see what happened; nothing was saved."
)
HAS_A_VISIT = (
    "This request's visit is booked. To change the request, cancel the visit first (on the appointment); "
    "the request keeps its status until then."
)


def request_call_back(details: dict, form_key: str | None = None) -> TelehealthRequest:
    """Save a patient's request (the patient's `CONTACT_FIELDS`, `state`, `preferred_days`,
    `preferred_times`) with its emails, or nothing at all. `form_key` names the form it was
    sent with (appointments.antispam): sent again, the request it saved comes back instead."""
    telehealth_request = TelehealthRequest(**details, form_key=form_key or None)
    try:
        telehealth_request.full_clean(exclude=["reference", "form_key"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise refusal_from(error) from None
    sent_before = TelehealthRequest.objects.filter(form_key=telehealth_request.form_key)
    with transaction.atomic():
        if telehealth_request.form_key and sent_before.exists():
            return sent_before.get()
        telehealth_request.patient = patients.patient_for(telehealth_request.contact_details())
        try:
            insert_without_patient_values(telehealth_request, private=[*CONTACT_FIELDS, "state", "preferred_days", "preferred_times"])
        except IntegrityError:
            # The same form, sent twice at once: the other sending saved it.
            if not telehealth_request.form_key or not sent_before.exists():
                raise
            return sent_before.get()
        notifications.queue_telehealth_request_received(telehealth_request)
    return telehealth_request


def _follow_up(telehealth_request: TelehealthRequest, notes: str | None, **changes) -> TelehealthRequest:
    """Record the follow-up on the locked row. A request whose visit is booked keeps its status
    (its visit is cancelled first); only the fields changed here are checked, so a request saved
    under older rules can still be followed up."""
    with transaction.atomic():
        telehealth_request = TelehealthRequest.objects.select_for_update(of=("self",)).select_related("appointment").get(
            pk=telehealth_request.pk
        )
        visit = telehealth_request.appointment
        if changes and visit is not None and visit.is_active:
            raise BookingRefused(HAS_A_VISIT, "status")
        for name, value in changes.items():
            setattr(telehealth_request, name, value)
        if notes is not None:
            telehealth_request.notes = notes
        checked = {*changes, "notes"}
        try:
            telehealth_request.full_clean(
                exclude=[field.name for field in TelehealthRequest._meta.fields if field.name not in checked],
                validate_unique=False, validate_constraints=False,
            )
        except ValidationError as error:
            raise refusal_from(error) from None
        telehealth_request.save(update_fields=[*changes, "notes", "updated_at"])
    return telehealth_request


def mark_contacted(telehealth_request: TelehealthRequest, *, notes: str | None = None) -> TelehealthRequest:
    """The front desk called the patient (or left a message); also takes a closed request back up."""
    return _follow_up(telehealth_request, notes, status=TelehealthRequest.Status.CONTACTED, close_reason="")


def close(telehealth_request: TelehealthRequest, *, reason: str, notes: str | None = None) -> TelehealthRequest:
    """No visit is needed, or the patient could not be reached: closed, with the reason."""
    return _follow_up(telehealth_request, notes, status=TelehealthRequest.Status.CLOSED, close_reason=reason)


def reopen(telehealth_request: TelehealthRequest, *, notes: str | None = None) -> TelehealthRequest:
    """Back to new, e.g. a request closed by mistake, or whose visit was cancelled."""
    return _follow_up(telehealth_request, notes, status=TelehealthRequest.Status.NEW, close_reason="")


def save_notes(telehealth_request: TelehealthRequest, *, notes: str) -> TelehealthRequest:
    """Staff's notes on the request; only staff ever see them."""
    return _follow_up(telehealth_request, notes)


def schedule_from_request(telehealth_request: TelehealthRequest, *, provider: Provider, visit_type: VisitType, starts_at: datetime,
                          patient: dict, modality: str = Appointment.Modality.VIDEO, video_link: str = "",
                          patient_state: str | None = None, telehealth_consent: str | None = None,
                          coverage=None, patient_record=None, now: datetime | None = None) -> Booking:
    """Book the visit for an open request and mark the request scheduled with it.

    The request is locked and checked again: if another desk scheduled or closed it
    meanwhile, nothing is booked (`BookingRefused`). A clash with another visit is
    refused as any staff booking is, and nothing is saved either. A request reopened after
    its visit was cancelled is linked to the new visit instead. A video visit needs the
    patient's state (the request's, unless staff heard otherwise) and consent, as any staff
    booking by video (`booking.book_for_staff`).
    """
    with transaction.atomic():
        telehealth_request = TelehealthRequest.objects.open().select_for_update(of=("self",)).filter(pk=telehealth_request.pk).first()
        if telehealth_request is None:
            raise BookingRefused(NO_LONGER_OPEN)
        booked = booking.book_for_staff(
            provider=provider, visit_type=visit_type, modality=modality, starts_at=starts_at,
            patient=patient, video_link=video_link, patient_state=patient_state or telehealth_request.state,
            telehealth_consent=telehealth_consent, coverage=coverage, now=now,
            # The request's patient, unless staff picked another record while booking.
            patient_record=patient_record or telehealth_request.patient,
        )
        telehealth_request.appointment = booked.appointment
        telehealth_request.status = TelehealthRequest.Status.SCHEDULED
        telehealth_request.save(update_fields=["appointment", "status", "updated_at"])
    return booked

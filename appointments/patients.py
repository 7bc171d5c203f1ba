"""Patient records (issue 14): the one place that creates, matches, corrects and merges them.

The matching rule. A booking or telehealth request joins an existing record only when all of
these are the same: the date of birth, the first name and the last name (ignoring case, accents
and extra spaces: "Sofía  Núñez" is "sofia nunez"), and the email (ignoring case) or the phone
number (its digits). Anything less makes a new record: two records of one person are merged by
the front desk (`merge`), while one record of two people would show one patient's visits to the
other's front-desk call. The first name is part of it because twins share a birthday, a last name
and often a parent's phone.

Joining a record never changes it: what a patient types online stays on their own appointment
(`appointment.email` etc., where every email goes), so typing someone's name, birthday and
email shows and changes nothing of theirs. Only staff correct a record (`correct_contact`).

`booking` and `telehealth` call `patient_for` inside their transactions; the admin calls
`correct_contact`, `merge` and `create_patient`.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments import notifications
from appointments.models import Appointment, BookingSettings, Patient, insert_without_patient_values
from appointments.models.patient import digits_of, plain_text, search_name_of

# What a patient record holds, copied from the details a booking or request was made with.
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email")


def same_person(patient: Patient, details: dict) -> bool:
    """The matching rule (see the module's docstring), for one candidate record."""
    return (
        patient.date_of_birth == details["date_of_birth"]
        and plain_text(patient.first_name) == plain_text(details["first_name"])
        and plain_text(patient.last_name) == plain_text(details["last_name"])
        and (
            patient.email.casefold() == details["email"].casefold()
            or (bool(patient.phone_digits) and patient.phone_digits == digits_of(details["phone"]))
        )
    )


def _one_at_a_time_for_person(details: dict):
    """On PostgreSQL, matching for the same name and birthday waits its turn until the transaction
    ends, so that two bookings at once by a new patient make one record, not two."""
    if connection.vendor == "postgresql":
        key_text = f"patient:{details['date_of_birth']:%Y-%m-%d}:{search_name_of(details['first_name'], details['last_name'])}"
        key = int.from_bytes(hashlib.sha256(key_text.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def matching_patient(details: dict) -> Patient | None:
    """The record `details` (a patient's `CONTACT_FIELDS`) belongs to by the matching rule, or None.
    Of several (duplicates not merged yet), the oldest."""
    candidates = Patient.objects.filter(date_of_birth=details["date_of_birth"]).order_by("pk")
    return next((patient for patient in candidates if same_person(patient, details)), None)


def create_patient(details: dict) -> Patient:
    """A new record from `details`. Like every insert of patient data, it carries none of the
    patient's values (`insert_without_patient_values`): nothing refuses it today, and a constraint
    added one day must not put a patient's details in the database's log."""
    patient = Patient(**{name: details[name] for name in PATIENT_FIELDS})
    insert_without_patient_values(patient, private=PATIENT_FIELDS)  # Patient.save makes the search copies
    return patient


def patient_for(details: dict) -> Patient:
    """The record for a new booking or request: the matching one, or a new one. Run inside the
    booking's transaction; the record is never changed by what was typed."""
    _one_at_a_time_for_person(details)
    return matching_patient(details) or create_patient(details)


# --- History and the no-show rule -------------------------------------------------------------


def no_show_count(patient: Patient, since: datetime | None = None) -> int:
    visits = patient.appointments.filter(status=Appointment.Status.NO_SHOW)
    if since is not None:
        visits = visits.filter(starts_at__gte=since)
    return visits.count()


def is_late_cancellation(appointment: Appointment, cutoff: timedelta) -> bool:
    """Cancelled inside the cancellation cut-off (`BookingSettings.cancellation_cutoff_hours`)."""
    return (
        appointment.status == Appointment.Status.CANCELLED
        and appointment.cancelled_at is not None
        and appointment.starts_at - appointment.cancelled_at < cutoff
    )


@dataclass(frozen=True)
class History:
    visits: list  # the patient's appointments, latest first
    telehealth_requests: list
    visit_count: int
    cancelled: int
    late_cancellations: int
    no_shows: int
    completed: int


def history_of(patient: Patient, settings: BookingSettings | None = None) -> History:
    settings = settings or BookingSettings.load()
    visits = list(patient.appointments.select_related("provider", "visit_type").order_by("-starts_at"))
    requests = list(patient.telehealth_requests.order_by("-created_at"))
    return History(
        visits=visits,
        telehealth_requests=requests,
        visit_count=len(visits),
        cancelled=sum(visit.status == Appointment.Status.CANCELLED for visit in visits),
        late_cancellations=sum(is_late_cancellation(visit, settings.cancellation_cutoff) for visit in visits),
        no_shows=sum(visit.status == Appointment.Status.NO_SHOW for visit in visits),
        completed=sum(visit.status == Appointment.Status.COMPLETED for visit in visits),
    )


def with_counts(patients):
    """Patients annotated with `visit_count` and `no_show_count`, for lists. Subqueries, not a join
    with GROUP BY: counting the rows of a list leaves them out, and a page counts 50 patients' visits
    by the index on `patient`, whatever the size of the practice."""

    def count_of(visits):
        counted = visits.filter(patient=OuterRef("pk")).order_by().values("patient").annotate(count=Count("pk")).values("count")
        return Coalesce(Subquery(counted), 0)

    return patients.annotate(
        visit_count=count_of(Appointment.objects.all()),
        no_show_count=count_of(Appointment.objects.filter(status=Appointment.Status.NO_SHOW)),
    )


def months_before(moment: datetime, months: int) -> datetime:
    """`months` months before `moment` (30.44 days each: the rule counts recent no-shows, not calendar days)."""
    return moment - timedelta(days=round(months * 30.44))


def must_be_confirmed(patient: Patient, settings: BookingSettings, now: datetime) -> bool:
    """The practice's optional rule: a patient with `no_show_limit` or more no-shows in the last
    `no_show_months` months books online as a request the front desk confirms (0: the rule is off)."""
    if not settings.no_show_limit or patient.pk is None:
        return False
    return no_show_count(patient, since=months_before(now, settings.no_show_months)) >= settings.no_show_limit


# --- Corrections and merging by staff ---------------------------------------------------------


def correct_contact(patient: Patient, changes: dict, *, now: datetime | None = None) -> list[str]:
    """Staff correct a patient's details (any of `PATIENT_FIELDS`): the record, and the same details
    on their visits still to come (requested or confirmed) and open telehealth requests, so that
    the next email goes to the corrected address. A corrected email address also gets each visit
    to come a new manage link (the old one stops working). Past visits keep what was true then. Each row
    is saved on its own, so the audit trail records every change (its values masked). Returns the
    names of the fields that changed."""
    now = now or timezone.now()
    unknown = set(changes) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Not a patient detail: {sorted(unknown)}")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        changed = [name for name, value in changes.items() if getattr(patient, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(patient, name, changes[name])
        patient.full_clean(exclude=["search_name", "phone_digits"])
        patient.save(update_fields=[*changed, "updated_at"])  # and the search copies (Patient.save)
        future_visits = patient.appointments.active().filter(starts_at__gt=now).select_for_update(of=("self",))
        open_requests = patient.telehealth_requests.open().select_for_update(of=("self",))
        for row in [*future_visits, *open_requests]:
            for name in changed:
                setattr(row, name, getattr(patient, name))  # as the record cleaned it (the phone in +1 form)
            fields = [*changed, "updated_at"]
            if "email" in changed and isinstance(row, Appointment):
                # The link to manage the visit went to the address that was wrong (perhaps someone
                # else's): it stops working, and a new one goes to the corrected address.
                row.issue_manage_token()
                fields += ["manage_nonce", "manage_token_hash"]
            row.save(update_fields=fields)
            if "manage_nonce" in fields:
                notifications.queue_new_manage_link(row)
    return changed


class MergeRefused(Exception):
    pass


def merge(keep: Patient, duplicate: Patient) -> Patient:
    """Move the duplicate's visits and telehealth requests to `keep` and delete the duplicate, in
    one transaction. `keep`'s details stay as they are (correct them after if need be). Each moved
    row is saved on its own, so the audit trail shows it; the deletion is audited too."""
    if keep.pk == duplicate.pk:
        raise MergeRefused("Choose two different patients: a record cannot be merged into itself.")
    with transaction.atomic():
        locked = {patient.pk: patient for patient in Patient.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
        if len(locked) != 2:
            raise MergeRefused("One of these patients was merged or deleted meanwhile: nothing was changed.")
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        if keep.date_of_birth != duplicate.date_of_birth:
            # Two people, most likely: a merge cannot be undone. A birth date typed wrong is corrected first.
            raise MergeRefused(
                "These records have different dates of birth, so they may be two different people: nothing was merged. "
                "If one date of birth is wrong, correct it on that record first (after checking with the patient), then merge."
            )
        for row in [*duplicate.appointments.select_for_update(), *duplicate.telehealth_requests.select_for_update()]:
            row.patient = keep
            row.save(update_fields=["patient", "updated_at"])
        duplicate.delete()
    return keep


def check_details(details: dict) -> dict:
    """The details as a record would hold them, or ValidationError by field (for staff forms)."""
    patient = Patient(**{name: details[name] for name in PATIENT_FIELDS})
    patient.full_clean(exclude=["search_name", "phone_digits"])
    return {name: getattr(patient, name) for name in PATIENT_FIELDS}


"""The audit trail of staff access to patient records.

Every view in the admin, change and deletion of an appointment, a telehealth
request, a patient record, a request for help or a good faith estimate is recorded with who and when (django-auditlog).
Patient fields are masked completely: the record says a field changed, never what it said.
Every showing of a page that lists patients is recorded too (`record_list_view`), with the
patients it showed, so the trail can be read by patient (`appointments.admin.audit_trail`).
"""

from auditlog.registry import auditlog
from django.conf import settings

from appointments.models import (
    CONTACT_FIELDS,
    Appointment,
    ConsentSignature,
    GoodFaithEstimate,
    HelpRequest,
    Intake,
    Patient,
    PatientListView,
    PatientListViewRow,
    TelehealthRequest,
    WaitlistEntry,
)
from clinic.client_ip import client_ip

# Everything a patient told us, and staff's notes about them: never written to the audit log.
MASKED_FIELDS = [
    *CONTACT_FIELDS, "state", "patient_state", "coverage", "insurance_plan", "insurance_plan_name",
    "preferred_days", "preferred_times", "notes", "expected_date",
    # A request for help (HelpRequest): who asked, how to reach them, what for.
    "name", "kinds", "language", "visit_reference", "message",
    # A patient record (Patient): its search copies of the name and phone.
    "search_name", "phone_digits",
    # Staff's own notes about a visit (Appointment.staff_notes).
    "staff_notes",
    # The name a patient typed to sign a consent (ConsentSignature).
    "signed_name",
]


def mask_completely(value: str) -> str:
    """AUDITLOG_MASK_CALLABLE: a masked field is recorded as changed, with none of its value."""
    return "[hidden]"


def register_patient_records():
    for model in (Appointment, TelehealthRequest, Patient, GoodFaithEstimate, HelpRequest, Intake, ConsentSignature, WaitlistEntry):
        present = {field.name for field in model._meta.get_fields()}
        auditlog.register(
            model, mask_fields=[name for name in MASKED_FIELDS if name in present],
            # Intake answers are sealed and never copied anywhere, not even as ciphertext.
            exclude_fields=["manage_nonce", "manage_token_hash", "link_nonce", "sealed_answers"],
        )


def record_list_view(request, page: str, *, appointments=(), telehealth_requests=(), estimates=(), help_requests=(), patients=()):
    """Record that `request.user` was shown a page listing patients: when, which page, and which rows.

    Call it from every page that lists patients, with the rows shown on it (only those: the
    page of a paginated list, not the whole query):

        record_list_view(request, "Appointment list", appointments=cl.result_list)
        record_list_view(request, f"Day schedule, {day:%Y-%m-%d}", appointments=visits)
        record_list_view(request, f"Calendar, week of {monday:%Y-%m-%d}", appointments=visits)
        record_list_view(request, "Patient list, search results", patients=cl.result_list)
        record_list_view(request, "Front desk start page", appointments=today, telehealth_requests=to_call)

    `page` names the page in the practice's words and must say what the address no longer
    does (the day, the week, "search results", the page number): only `request.path` is kept,
    WITHOUT the query string, because a search term is a patient value (a name, a phone number,
    a date of birth) and must never be stored. Never put a search term, or anything else a
    patient told us, into `page` either.

    The rows are the model instances already loaded for the page; nothing is queried per row
    (each row's `patient_id`, and an estimate's appointment when it was loaded with
    `select_related("appointment")`). Costs two INSERTs: the view and its rows in one bulk insert.
    In the admin, `appointments.admin.list_audit.ListViewsAudited` calls it for a ModelAdmin's list.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    address = None if settings.AUDITLOG_DISABLE_REMOTE_ADDR else client_ip(request) or None
    view = PatientListView.objects.create(
        user=user, username=user.get_username(), page=page[:200], path=request.path[:300], remote_addr=address,
    )
    rows = [
        *(PatientListViewRow(view=view, patient_id=row.patient_id, appointment_id=row.pk) for row in appointments),
        *(PatientListViewRow(view=view, patient_id=row.patient_id, telehealth_request_id=row.pk,
                             appointment_id=row.appointment_id) for row in telehealth_requests),
        *(PatientListViewRow(view=view, estimate_id=row.pk, appointment_id=row.appointment_id,
                             patient_id=_loaded_patient_id(row, "appointment")) for row in estimates),
        *(PatientListViewRow(view=view, help_request_id=row.pk) for row in help_requests),
        *(PatientListViewRow(view=view, patient_id=row.pk) for row in patients),
    ]
    PatientListViewRow.objects.bulk_create(rows)
    return view


def _loaded_patient_id(row, relation: str):
    """The patient id of a related row if it was loaded with the page (no query), else None;
    the related row's own id is recorded anyway, so the filter by patient finds it."""
    if not row._meta.get_field(relation).is_cached(row):
        return None
    related = getattr(row, relation)
    return related.patient_id if related is not None else None

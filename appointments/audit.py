"""The audit trail of staff access to patient records (django-auditlog).

Every view in the admin, change and deletion of an appointment, a telehealth
request, a request for help or a good faith estimate is recorded with who and when. Patient fields are masked completely:
the record says a field changed, never what it said.
"""

from auditlog.registry import auditlog

from appointments.models import CONTACT_FIELDS, Appointment, GoodFaithEstimate, HelpRequest, TelehealthRequest

# Everything a patient told us, and staff's notes about them: never written to the audit log.
MASKED_FIELDS = [
    *CONTACT_FIELDS, "state", "patient_state", "coverage", "insurance_plan", "insurance_plan_name",
    "preferred_days", "preferred_times", "notes", "expected_date",
    # A request for help (HelpRequest): who asked, how to reach them, what for.
    "name", "kinds", "language", "visit_reference", "message",
    # Staff's own notes about a visit (Appointment.staff_notes).
    "staff_notes",
]


def mask_completely(value: str) -> str:
    """AUDITLOG_MASK_CALLABLE: a masked field is recorded as changed, with none of its value."""
    return "[hidden]"


def register_patient_records():
    for model in (Appointment, TelehealthRequest, GoodFaithEstimate, HelpRequest):
        present = {field.name for field in model._meta.get_fields()}
        auditlog.register(
            model, mask_fields=[name for name in MASKED_FIELDS if name in present],
            exclude_fields=["manage_nonce", "manage_token_hash", "link_nonce"],
        )

"""The audit trail of staff access to patient records (django-auditlog).

Every view in the admin, change and deletion of an appointment or a telehealth
request is recorded with who and when. Patient fields are masked completely:
the record says a field changed, never what it said.
"""

from auditlog.registry import auditlog

PATIENT_FIELDS = [
    "first_name", "last_name", "date_of_birth", "phone", "email", "reason", "is_new_patient",
    "consent_to_contact", "state", "preferred_days", "preferred_times", "notes",
]


def mask_completely(value: str) -> str:
    return "[hidden]"


def register_patient_records():
    from appointments.models import Appointment, TelehealthRequest

    for model in (Appointment, TelehealthRequest):
        present = {field.name for field in model._meta.get_fields()}
        auditlog.register(model, mask_fields=[name for name in PATIENT_FIELDS if name in present], exclude_fields=["manage_token_hash"])

from django.db import migrations

from clinic.roles import CLINICIANS, FRONT_DESK, grant_model_permissions, grant_permissions


def grant(apps, schema_editor):
    # Clinicians (each linked to their provider, Provider.staff_user): their own schedule, their
    # patients' records and intake (all of it: they treat the patient), the review of it, and the
    # treatments' safety questions and consent texts, which are clinical content that clinicians
    # (and the medical director) write and answer for. Never site content (pages, notices, hours).
    # Which appointments and intakes they see is narrowed to their own in the admin
    # (appointments.clinicians).
    grant_model_permissions(apps, CLINICIANS, "appointments", ["appointment", "patient", "intake"], actions=("view",))
    grant_permissions(apps, CLINICIANS, "appointments", ["view_intake_answers", "review_intake"])
    grant_model_permissions(
        apps, CLINICIANS, "appointments", ["screeningquestion", "treatmentconsent"], actions=("view", "add", "change"),
    )
    # The front desk registers the patient and bills: they see where each visit's intake stands and
    # the registration sections only (contacts, doctors, insurance). The clinical answers are not
    # theirs to read: HIPAA's minimum-necessary standard (45 CFR 164.502(b), 164.514(d)) limits each
    # role to the health information its work needs. Content editors get nothing of intake.
    grant_model_permissions(apps, FRONT_DESK, "appointments", ["intake"], actions=("view",))
    grant_permissions(apps, FRONT_DESK, "appointments", ["view_intake_registration"])


def remove_clinicians(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CLINICIANS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0030_intake_screening_consent"),
        ("clinic", "0016_clinician_sign_in"),
        ("clinic", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, remove_clinicians)]

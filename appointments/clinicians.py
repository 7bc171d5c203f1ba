"""What a clinician sees in the admin: their own provider's visits, patients and intakes only.

A clinician is a staff user in the “Clinicians” group (clinic.roles.CLINICIANS) linked to their
provider (Provider.staff_user). Their group's permissions say which kinds of record they may
open; these functions narrow the rows to their own patients. A clinician whose sign-in is not
linked to a provider sees none. Superusers see everything; the front desk sees every visit.
"""

from appointments.models import Appointment
from clinic.models import Provider
from clinic.roles import CLINICIANS


def sees_own_patients_only(user) -> bool:
    """A clinician (not a superuser): remembered on the user for the request (one query)."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    cached = getattr(user, "_sees_own_patients_only", None)
    if cached is None:
        cached = user.groups.filter(name=CLINICIANS).exists()
        user._sees_own_patients_only = cached
    return cached


def own_provider(user) -> Provider | None:
    """The provider a user's sign-in is linked to, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Provider.objects.filter(staff_user=user).first()


def appointments_seen_by(user, queryset):
    """`queryset` of appointments, narrowed to the clinician's own (none without a linked provider)."""
    if not sees_own_patients_only(user):
        return queryset
    return queryset.filter(provider__staff_user=user)


def intakes_seen_by(user, queryset):
    """`queryset` of intakes, narrowed to the clinician's own patients' visits."""
    if not sees_own_patients_only(user):
        return queryset
    return queryset.filter(appointment__provider__staff_user=user)


def patients_seen_by(user, queryset):
    """`queryset` of patient records, narrowed to those with a visit with the clinician."""
    if not sees_own_patients_only(user):
        return queryset
    return queryset.filter(pk__in=Appointment.objects.filter(provider__staff_user=user).values("patient_id"))


def providers_seen_by(user, providers: list[Provider]) -> list[Provider]:
    """The calendar's columns: a clinician's own only."""
    if not sees_own_patients_only(user):
        return providers
    return [provider for provider in providers if provider.staff_user_id == user.pk]

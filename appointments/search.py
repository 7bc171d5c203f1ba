"""Search as receptionists type, for the lists of patients, appointments and telehealth requests.

What is typed is read as one of:
- a date of birth, as people write it: 03/27/1958, 3/27/58, 1958-03-27 (also with dashes or dots
  between month, day and year). A two-digit year is the latest one not in the future;
- a reference (8 letters and digits from the reference alphabet, any case);
- an email address (the whole address, any case);
- part of a phone number, however formatted: 555-0199, 5550199, (301) 555, +1 301…: its digits
  anywhere in the patient's number;
- otherwise a name: every word typed must be part of the first or last name, ignoring case and
  accents ("sofia nun" finds "Sofía Núñez").

Appointments and requests are found through their patient's record (`search_name`,
`phone_digits`, kept by `appointments.patients`), plus their own reference and email. Every
appointment and request has its patient (linked when it is made; migration 0024 for older ones).
On PostgreSQL trigram indexes (migration 0023) make the "contains" searches fast at scale.
"""

import re
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appointments.models import REFERENCE_ALPHABET, Appointment, Patient, TelehealthRequest
from appointments.models.appointment import REFERENCE_LENGTH
from appointments.models.patient import digits_of, plain_text

DATE_FORMATS = ["%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%m-%d-%Y", "%m-%d-%y", "%m.%d.%Y", "%m.%d.%y"]
PHONE_LIKE = re.compile(r"[\d\s()+.\-]+")
# Fewer digits than this match too many numbers to help anyone.
PHONE_DIGITS_AT_LEAST = 3
REFERENCE = re.compile(f"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


def date_of_birth_in(term: str, today: date | None = None) -> date | None:
    today = today or timezone.localdate()
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.strptime(term, pattern).date()
        except ValueError:
            continue
        if "%y" in pattern and parsed > today:
            parsed = parsed.replace(year=parsed.year - 100)
        return parsed
    return None


def reference_in(term: str) -> str | None:
    candidate = term.upper()
    return candidate if REFERENCE.fullmatch(candidate) else None


def patients_matching(term: str) -> QuerySet:
    """The patients `term` finds (see the module's docstring), not counting references."""
    term = " ".join(term.split())
    born = date_of_birth_in(term)
    if born is not None:
        return Patient.objects.filter(date_of_birth=born)
    if "@" in term:
        return Patient.objects.filter(email__iexact=term)
    if PHONE_LIKE.fullmatch(term):
        digits = digits_of(term)
        if len(digits) < PHONE_DIGITS_AT_LEAST:
            return Patient.objects.none()
        return Patient.objects.filter(phone_digits__contains=digits)
    words = plain_text(term).split()
    if not words:
        return Patient.objects.none()
    # search_name is lower case already: plain LIKE, which the trigram index serves.
    condition = Q()
    for word in words:
        condition &= Q(search_name__contains=word)
    return Patient.objects.filter(condition)


def cleaned(term: str) -> str:
    """What was typed, without the control characters no name holds (PostgreSQL refuses a NUL in a query)."""
    return "".join(character for character in term if character.isprintable()).strip()[:200]


def search_patients(queryset: QuerySet, term: str) -> QuerySet:
    """Patients of `queryset` found by `term`, also by the reference of one of their visits or requests."""
    term = cleaned(term)
    if not term:
        return queryset
    found = Q(pk__in=patients_matching(term).values("pk"))
    reference = reference_in(term)
    if reference:
        found |= Q(Exists(Appointment.objects.filter(patient=OuterRef("pk"), reference=reference)))
        found |= Q(Exists(TelehealthRequest.objects.filter(patient=OuterRef("pk"), reference=reference)))
    return queryset.filter(found)


def search_records(queryset: QuerySet, term: str) -> QuerySet:
    """Appointments or telehealth requests of `queryset` found by `term`: through their patient's record,
    or by their own reference or email."""
    term = cleaned(term)
    if not term:
        return queryset
    found = Q(patient__in=patients_matching(term).values("pk"))
    reference = reference_in(term)
    if reference:
        found |= Q(reference=reference)
    if "@" in term:
        found |= Q(email__iexact=" ".join(term.split()))
    return queryset.filter(found)


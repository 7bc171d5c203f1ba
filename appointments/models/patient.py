"""Who the patient is and how to reach them: defined once, for appointments and telehealth requests."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clinic.phone import normalise_phone
from clinic.validators import validate_single_line

OLDEST_PATIENT_YEARS = 120


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def validate_date_of_birth(born: date):
    """In the past, and not more than 120 years ago: the same rule for patients and staff.
    Forms word the messages for their readers by the codes."""
    today = timezone.localdate()
    if born >= today:
        raise ValidationError("The date of birth must be in the past.", code="date_of_birth_not_past")
    if born <= years_before(today, OLDEST_PATIENT_YEARS):
        raise ValidationError("Please check the year of the date of birth.", code="date_of_birth_too_old")


def clean_phone(row):
    """The row's phone number in the one form it is stored in (+1…), or the error next to the field."""
    if row.phone:
        try:
            row.phone = normalise_phone(row.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error}) from None


class PatientContact(models.Model):
    """The patient's details as they gave them, on every appointment and telehealth request."""

    first_name = models.CharField(max_length=60, validators=[validate_single_line])
    last_name = models.CharField(max_length=60, validators=[validate_single_line])
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    phone = models.CharField("mobile phone", max_length=20)
    email = models.EmailField(max_length=254)
    is_new_patient = models.BooleanField("new patient")
    reason = models.CharField(max_length=500, blank=True)
    consent_to_contact = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        clean_phone(self)

    def contact_details(self) -> dict:
        """The patient's details, to copy onto another record (`CONTACT_FIELDS` as keys)."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


CONTACT_FIELDS = tuple(field.name for field in PatientContact._meta.fields)

FORM_KEY_HELP = "Names the patient form this was sent with, so that sending it again saves nothing more (appointments.antispam)."


def form_key_field():
    return models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False, help_text=FORM_KEY_HELP)


def _nothing_for(field):
    """A value of the field's type that says nothing about anyone."""
    if field.null:
        return None
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateField):
        return date(1900, 1, 1)
    return ""


def insert_without_patient_values(row: models.Model, private=CONTACT_FIELDS):
    """Insert a new row with none of its `private` values, then write them in.

    PostgreSQL writes a statement it refuses (a constraint firing under a race) to its log
    whole, values included (log_min_error_statement = error, its default; psycopg2 puts the
    values into the statement). So the one statement that can be refused, the insert, carries
    no patient value; an update of the row once it is in is never refused. Runs in the
    caller's transaction; raises IntegrityError, with nothing saved, if the insert is refused."""
    from auditlog.context import disable_auditlog
    from django.db import transaction

    kept = {name: getattr(row, name) for name in private}
    for name in private:
        setattr(row, name, _nothing_for(row._meta.get_field(name)))
    with transaction.atomic():
        row.save()
    for name, value in kept.items():
        setattr(row, name, value)
    # The audit trail has the row's creation already (its patient fields are masked whatever
    # they hold); this second write is part of it, not a change of the record.
    with disable_auditlog():
        row.save(update_fields=[*kept, *(["updated_at"] if hasattr(row, "updated_at") else [])])


def plain_text(text: str) -> str:
    """Lower case, accents and apostrophes removed, spaces collapsed: what names are compared and
    searched as ("O’Brien", "O'Brien" and "OBrien" all read "obrien"; phones type a curly apostrophe)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(
        character for character in decomposed if not unicodedata.combining(character) and character not in APOSTROPHES
    )
    return " ".join(without_accents.casefold().split())


APOSTROPHES = "'’‘`´ʼ"


def digits_of(text: str) -> str:
    return "".join(character for character in text or "" if character.isdigit())


def search_name_of(first_name: str, last_name: str) -> str:
    return plain_text(f"{first_name} {last_name}")


# The fields the search copies are made from.
SEARCHED_FIELDS = {"first_name", "last_name", "phone"}


class Patient(models.Model):
    """One person the practice sees: their visits and telehealth requests link here (issue 14).

    The contact details are the current ones, correctable by the front desk (each appointment and
    request also keeps the details as the patient gave them then). `search_name` and
    `phone_digits` follow the name and phone on every save, for search as receptionists type
    (`appointments.search`)."""

    first_name = models.CharField(max_length=60, validators=[validate_single_line])
    last_name = models.CharField(max_length=60, validators=[validate_single_line])
    date_of_birth = models.DateField(validators=[validate_date_of_birth], db_index=True)
    phone = models.CharField("mobile phone", max_length=20)
    email = models.EmailField(max_length=254)
    # "first last", lower case, accents removed: what a search for a name compares with.
    search_name = models.CharField(max_length=130, blank=True, default="", editable=False)
    # The phone number's digits only, so any part of it matches however it is typed.
    phone_digits = models.CharField(max_length=20, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "date_of_birth"]

    def __str__(self):
        # Stored by the audit trail and the admin's history as the record's name: no patient value.
        return f"Patient record {self.pk}"

    def name_and_birthday(self) -> str:
        """How the front desk tells patients apart on their pages: “Quigley, Rosalind (07/14/1958)”."""
        return f"{self.last_name}, {self.first_name} ({self.date_of_birth:%m/%d/%Y})"

    def clean(self):
        super().clean()
        clean_phone(self)

    def save(self, *args, **kwargs):
        """The search copies follow the name and phone on every save, whoever saves."""
        self.search_name = search_name_of(self.first_name, self.last_name)
        self.phone_digits = digits_of(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and SEARCHED_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name", "phone_digits"}
        super().save(*args, **kwargs)

    def get_admin_url(self):
        from django.urls import reverse

        return reverse("admin:appointments_patient_change", args=[self.pk])

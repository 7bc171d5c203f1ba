"""Asking for help or an accommodation (an interpreter, sign language, large print...): a row
the front desk works through in the admin."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from appointments.models.appointment import new_reference
from appointments.models.patient import form_key_field
from clinic.validators import validate_plain_text, validate_single_line


class HelpRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=HelpRequest.Status.NEW)


class HelpRequest(models.Model):
    """A patient (or someone for them) asking for help to use our services. Every change of one
    is made by a function of `appointments.help_requests`."""

    class Status(models.TextChoices):
        NEW = "new", "New: to do"
        HANDLED = "handled", "Handled"

    class Kind(models.TextChoices):
        INTERPRETER = "interpreter", "An interpreter for a spoken language"
        SIGN_LANGUAGE = "sign_language", "A sign language interpreter"
        LARGE_PRINT = "large_print", "Large print"
        OTHER = "other", "Something else"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    name = models.CharField(max_length=120, validators=[validate_single_line])
    phone = models.CharField("phone", max_length=30, blank=True, validators=[validate_single_line])
    email = models.EmailField(max_length=254, blank=True)
    kinds = models.CharField("help asked for", max_length=80, help_text="What the patient asked for.")
    language = models.CharField(
        max_length=60, blank=True, validators=[validate_single_line], help_text="For an interpreter: the language."
    )
    visit_reference = models.CharField("visit reference", max_length=20, blank=True, validators=[validate_single_line])
    message = models.CharField(max_length=1000, blank=True, validators=[validate_plain_text])
    form_key = form_key_field()

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True,
        help_text="New until someone has arranged the help and told the patient; then Handled.",
    )
    notes = models.TextField(
        "internal notes", blank=True, help_text="For staff only: what was arranged, calls made, messages left."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        # No database check for "a phone or an email": the insert carries neither (appointments.help_requests).
        ordering = ["-created_at"]

    def __str__(self):
        return f"Help request {self.reference}"

    def clean(self):
        super().clean()
        if not self.phone and not self.email:
            raise ValidationError({"phone": "Please give a phone number or an email address, so that we can answer you."})
        kinds = [kind for kind in self.kinds.split(",") if kind]
        if not kinds or any(kind not in self.Kind.values for kind in kinds):
            raise ValidationError({"kinds": "Please tick the help you need."})
        if self.Kind.INTERPRETER in kinds and not self.language.strip():
            raise ValidationError({"language": "Please tell us which language you need an interpreter for."})

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(self.Kind.choices)
        return [labels[kind] for kind in self.kinds.split(",") if kind in labels]

    def get_admin_url(self):
        return reverse("admin:appointments_helprequest_change", args=[self.pk])

"""Asking for a good faith estimate without booking: who the patient is, how to reach
them, what the estimate is for, and how they pay. The booking form's spam traps and checks."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments.forms.booking import PatientDetailsForm
from appointments.models import Appointment, VisitType
from clinic.validators import validate_plausible_date

REQUEST_REFUSED = "We could not take this request online. Please call us to ask for an estimate."
COVERAGE_CHOICES = [
    (Appointment.Coverage.UNINSURED, "I do not have health insurance"),
    (Appointment.Coverage.INSURED_PAYING_SELF, "I have insurance, but will pay for this myself (no claim to my plan)"),
]


class VisitTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EstimateRequestForm(PatientDetailsForm):
    visit_type = VisitTypeChoiceField(
        label="Which visit or treatment is the estimate for?",
        queryset=VisitType.objects.bookable(),
        empty_label="Choose a visit",
        error_messages={"required": "Please choose the visit the estimate is for.",
                        "invalid_choice": "Please choose one of the visits listed."},
    )
    expected_date = forms.DateField(
        label="When do you expect the visit? (optional)",
        required=False,
        input_formats=["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"],
        help_text="Month, day and year, for example 03/27/2027. Leave empty if you do not know yet.",
        widget=forms.DateInput(format="%m/%d/%Y"),
        validators=[validate_plausible_date],
        error_messages={"invalid": "Enter the date as month/day/year, for example 03/27/2027."},
    )
    coverage = forms.ChoiceField(
        label="How will you pay?",
        choices=COVERAGE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Please tell us how you will pay.", "invalid_choice": "Please tell us how you will pay."},
    )

    submit_label = "Ask for my estimate"
    confirm_message = f"Nothing is sent yet: please check your details and press ‘{submit_label}’ to confirm."
    refused_message = REQUEST_REFUSED

    field_order = [
        "first_name", "last_name", "date_of_birth", "email", "phone", "visit_type", "expected_date", "coverage", "consent_to_contact",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_new_patient"]
        del self.fields["reason"]
        self.fields["email"].help_text = "We email you a link to your estimate here."
        phone = self.fields["phone"]
        phone.label, phone.required = "Phone (optional)", False
        phone.help_text = "With area code, if you would like a call should we have a question."
        consent = self.fields["consent_to_contact"]
        consent.label = "You may contact me by email (and phone, if given) about this estimate."
        consent.error_messages["required"] = "Please tick this box so that we can send you your estimate."

    def clean_phone(self):
        return super().clean_phone() if self.cleaned_data.get("phone") else ""

    def clean_expected_date(self):
        day = self.cleaned_data["expected_date"]
        if day is not None and day < timezone.localdate():
            raise ValidationError("The date has passed: choose a later date, or leave it empty.")
        return day

    def request_details(self) -> dict:
        """What `appointments.estimates.create_for_request` saves."""
        names = ("first_name", "last_name", "date_of_birth", "email", "phone", "visit_type", "expected_date", "coverage")
        return {name: self.cleaned_data[name] for name in names}

"""The telehealth request form: the booking form's patient details, spam traps and
checks, plus where the patient will be during the visit and when suits them."""

from django import forms
from django.core.exceptions import ValidationError

from appointments.booking import CHOOSE_A_STATE
from appointments.forms.booking import PatientDetailsForm
from appointments.models import US_STATES
from clinic.us_states import STATE_NAMES, state_names

WEEKDAY_CHOICES = [(day, day) for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
TIME_OF_DAY_CHOICES = [("Morning", "Morning"), ("Afternoon", "Afternoon")]

REQUEST_REFUSED = "We could not take this request online. Please call us to arrange a video visit."


def out_of_state_message(allowed_codes, phone_display: str) -> str:
    call = f"call us at {phone_display}" if phone_display else "call us"
    if not any(code in STATE_NAMES for code in allowed_codes):
        return f"We cannot offer video visits at the moment. Please {call}."
    return (
        f"Our providers can only see patients in {state_names(allowed_codes)} by video. "
        f"Please {call} and we will find another way to see you."
    )


def in_shown_order(ticked, choices) -> list[str]:
    """Each ticked choice once, in the order shown: a box sent twice must not make the
    stored list longer than its column (PostgreSQL refuses it where SQLite does not)."""
    return [value for value, _ in choices if value in ticked]


class TelehealthRequestForm(PatientDetailsForm):
    """A call-back request. `allowed_states` are where a clinician who sees patients by video is
    licensed (`loader.video_states`); a patient elsewhere is told to call, and the form is not
    valid, so nothing is saved."""

    state = forms.ChoiceField(
        label="Which state will you be in during the video visit?",
        choices=[("", "Choose a state")] + US_STATES,
        error_messages={"required": CHOOSE_A_STATE, "invalid_choice": CHOOSE_A_STATE},
    )
    preferred_days = forms.MultipleChoiceField(
        label="Days that suit you (optional)",
        required=False,
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick all that suit you. Leave them all empty if any weekday is fine.",
        error_messages={"invalid_choice": "Please tick only the days shown."},
    )
    preferred_times = forms.MultipleChoiceField(
        label="Times of day that suit you (optional)",
        required=False,
        choices=TIME_OF_DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave both empty if any time is fine.",
        error_messages={"invalid_choice": "Please tick only the times shown."},
    )

    submit_label = "Send my request"
    confirm_message = f"Nothing is sent yet: please check your details and press ‘{submit_label}’ to confirm."
    refused_message = REQUEST_REFUSED

    field_order = [
        "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient",
        "state", "preferred_days", "preferred_times", "reason", "consent_to_contact",
    ]

    def __init__(self, *args, allowed_states=(), phone_display="", **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_states = list(allowed_states)
        self.phone_display = phone_display
        if any(code in STATE_NAMES for code in self.allowed_states):
            self.fields["state"].help_text = (
                f"Our providers are licensed in {state_names(self.allowed_states)}: you need to be there during the visit."
            )
        self.fields["phone"].help_text = "With area code. We call this number to arrange your video visit."
        self.fields["email"].help_text = "We email you that we have your request."
        self.fields["reason"].help_text = "Optional, up to 500 characters: where it hurts and for how long."
        consent = self.fields["consent_to_contact"]
        consent.label = "You may contact me by phone and email about this request."
        consent.error_messages["required"] = "Please tick this box so that we can call you back."

    def clean_state(self):
        state = self.cleaned_data["state"]
        if state not in self.allowed_states:
            raise ValidationError(out_of_state_message(self.allowed_states, self.phone_display), code="out_of_state")
        return state

    def clean_preferred_days(self):
        return in_shown_order(self.cleaned_data["preferred_days"], WEEKDAY_CHOICES)

    def clean_preferred_times(self):
        return in_shown_order(self.cleaned_data["preferred_times"], TIME_OF_DAY_CHOICES)

    def request_details(self) -> dict:
        """What `appointments.telehealth.request_call_back` saves: the patient's details and preferences."""
        data = self.cleaned_data
        return {
            **self.contact_details(),
            "state": data["state"],
            "preferred_days": ",".join(data["preferred_days"]),
            "preferred_times": ",".join(data["preferred_times"]),
        }

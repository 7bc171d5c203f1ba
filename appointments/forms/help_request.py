"""The form to ask for help or an accommodation (/accessibility/ask/), with the patient forms'
spam traps (appointments.antispam): a honeypot box and a signed stamp."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from appointments import antispam
from appointments.forms.booking import PlainTextField
from appointments.models import HelpRequest
from clinic.phone import normalise_phone
from clinic.validators import validate_single_line

REFUSED = "We could not take this request online. Please call us and we will help."


def longest(name: str) -> int:
    return HelpRequest._meta.get_field(name).max_length


class HelpRequestForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=longest("name"), validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}), error_messages={"required": "Please enter your name."},
    )
    phone = forms.CharField(
        label="Phone (optional if you give an email)", required=False, max_length=30,
        help_text="With area code.", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Email (optional if you give a phone)", required=False, max_length=longest("email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    kinds = forms.MultipleChoiceField(
        label="What help do you need?", choices=HelpRequest.Kind.choices, widget=forms.CheckboxSelectMultiple,
        help_text="Tick all that apply.",
        error_messages={"required": "Please tick the help you need.", "invalid_choice": "Please tick only the choices shown."},
    )
    language = forms.CharField(
        label="Which language? (for an interpreter)", required=False, max_length=longest("language"),
        validators=[validate_single_line], help_text="For example Spanish, Amharic, Korean, Vietnamese or French.",
    )
    visit_reference = forms.CharField(
        label="Your visit reference (optional)", required=False, max_length=longest("visit_reference"),
        validators=[validate_single_line], help_text="If you have booked: the code in your confirmation email.",
    )
    message = PlainTextField(
        label="Anything else we should know (optional)", required=False, max_length=longest("message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Up to 1,000 characters.",
        error_messages={"max_length": "Please shorten this to 1,000 characters or fewer (it has %(show_value)d)."},
    )
    # Spam traps: see appointments.antispam. The box is off-screen and hidden from screen readers.
    website = forms.CharField(
        label="Leave this box empty", required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    submit_label = "Send my request"
    confirm_message = f"Nothing is sent yet: please check your request and press ‘{submit_label}’ to confirm."
    refused_message = REFUSED

    def __init__(self, *args, browser: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.browser = browser
        self.form_key = ""

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return normalise_phone(phone) if phone else ""

    def clean_kinds(self):
        ticked = self.cleaned_data["kinds"]
        return [value for value in HelpRequest.Kind.values if value in ticked]

    def clean(self):
        data = super().clean()
        if not self.has_error("phone") and not self.has_error("email") and not data.get("phone") and not data.get("email"):
            self.add_error("phone", "Please give a phone number or an email address, so that we can answer you.")
        kinds = data.get("kinds") or []
        if HelpRequest.Kind.INTERPRETER in kinds and not self.has_error("language") and not data.get("language", "").strip():
            self.add_error("language", "Please tell us which language you need an interpreter for.")
        antispam.check_traps(self, data, self.refused_message)
        return data

    @property
    def needs_confirming(self) -> bool:
        return self.is_bound and self.has_error(NON_FIELD_ERRORS, "too_fast")

    def request_details(self) -> dict:
        """What `appointments.help_requests.ask_for_help` saves."""
        data = self.cleaned_data
        return {
            "name": data["name"], "phone": data["phone"], "email": data["email"], "kinds": ",".join(data["kinds"]),
            "language": data["language"].strip(), "visit_reference": data["visit_reference"].strip().upper(),
            "message": data["message"],
        }

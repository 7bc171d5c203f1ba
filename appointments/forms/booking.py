"""Forms of the booking flow. They check what the browser sends; `appointments.booking`
decides whether a time can be booked, and makes every change."""

import re
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from appointments import antispam, consent
from appointments import coverage as payment
from appointments.booking import CHOOSE_A_STATE, BookingRefused, check_request
from appointments.coverage import CoverageAnswer, CoverageRefused
from appointments.models import CONTACT_FIELDS, US_STATES, Appointment, PatientContact, VisitType, validate_date_of_birth
from clinic.hours import PRACTICE_TIME_ZONE
from clinic.models import Provider
from clinic.phone import normalise_phone
from clinic.validators import validate_single_line

CHOOSE_A_SHOWN_TIME = "Please choose one of the times shown."


def longest(name: str) -> int:
    """How long the patient's `name` may be: the model's column decides (PatientContact)."""
    return PatientContact._meta.get_field(name).max_length

# Far beyond any booking horizon, and far inside the range of datetime arithmetic.
FARTHEST_START = timedelta(days=3650)


def parse_start(value: str) -> datetime:
    """The aware datetime a time button sent (e.g. 2027-03-15T09:00:00-04:00), in the
    practice's time zone; a ValidationError for anything else (naive, garbage, absurd)."""
    problem = ValidationError(CHOOSE_A_SHOWN_TIME, code="invalid_start")
    if not value or len(value) > 40:
        raise problem
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise problem
        if abs(moment - timezone.now()) > FARTHEST_START:
            raise problem
        return moment.astimezone(PRACTICE_TIME_ZONE)
    except (ValueError, OverflowError):
        raise problem from None


def start_value(moment: datetime) -> str:
    """What a time button sends: the practice's wall-clock time with its UTC offset."""
    return moment.astimezone(PRACTICE_TIME_ZONE).isoformat()


class VisitChoiceForm(forms.Form):
    """Which visit, where, and with whom (and, for a video visit, the state the patient will be
    in): carried from step to step in the query string (or hidden fields), so every value is
    checked again on every page. A state alone does not identify anyone (README: Patient data)."""

    visit = forms.ModelChoiceField(
        VisitType.objects.bookable(),
        to_field_name="slug",
        error_messages={
            "required": "Please choose the type of visit.",
            "invalid_choice": "That type of visit cannot be booked online. Please choose another, or call us.",
        },
    )
    mode = forms.ChoiceField(
        choices=Appointment.Modality.choices,
        error_messages={
            "required": "Please choose in the office or a video visit.",
            "invalid_choice": "Please choose in the office or a video visit.",
        },
    )
    provider = forms.CharField(required=False, max_length=100)
    state = forms.ChoiceField(
        label="Where will you be during the video visit?",
        required=False,
        choices=[("", "Choose a state")] + US_STATES,
        help_text="The state, or the District of Columbia. Our clinicians can see you by video only where they are licensed.",
        error_messages={"invalid_choice": CHOOSE_A_STATE},
    )

    refusal = None  # the BookingRefused behind the errors, if any (e.g. a patient in a state where nobody is licensed)

    @property
    def asks_where(self) -> bool:
        """A video visit whose only problem is the patient's state: missing, or one where no clinician is licensed."""
        return bool(self.errors) and set(self.errors) == {"state"} and self.cleaned_data.get("mode") == Appointment.Modality.VIDEO

    def clean_provider(self):
        """A provider's id (the list) or slug (the "Book with …" button of their page); None for anyone."""
        value = self.cleaned_data["provider"].strip()
        if value in ("", "any"):
            return None
        if re.fullmatch(r"[0-9]{1,9}", value):
            return int(value)
        found = Provider.objects.active().filter(slug=value).values_list("pk", flat=True).first() if re.fullmatch(r"[-a-zA-Z0-9_]+", value) else None
        if found is None:
            raise ValidationError("Please choose a provider from the list, or “first available”.")
        return found

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        state = data.get("state") if data["mode"] == Appointment.Modality.VIDEO else None
        if state is None:
            data["state"] = ""
        try:
            # Everyone who offers this visit this way (by video: licensed where the patient will be), then the chosen one.
            self.all_providers = check_request(data["visit"], data["mode"], None, patient_state=state)
            self.providers = [p for p in self.all_providers if data["provider"] in (None, p.pk)]
            if not self.providers:
                check_request(data["visit"], data["mode"], data["provider"], patient_state=state)  # raises with the reason
        except BookingRefused as refusal:
            self.refusal = refusal
            field = {"visit_type": "visit", "modality": "mode", "provider": "provider", "patient_state": "state"}.get(refusal.field)
            self.add_error(field, refusal.message)
        return data


class WeekChoiceForm(VisitChoiceForm):
    week = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "That week could not be read. Please use the week links."},
    )
    # The day whose times the page shows in full (the strip of days links to each).
    day = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "That day could not be read. Please use the links to the days."},
    )


class TimeChoiceForm(VisitChoiceForm):
    start = forms.CharField(max_length=40, error_messages={"required": CHOOSE_A_SHOWN_TIME, "max_length": CHOOSE_A_SHOWN_TIME})

    def clean_start(self):
        return parse_start(self.cleaned_data["start"])


class NewTimeForm(forms.Form):
    """A new time for an existing appointment (the manage page)."""

    start = forms.CharField(max_length=40, error_messages={"required": CHOOSE_A_SHOWN_TIME, "max_length": CHOOSE_A_SHOWN_TIME})

    def clean_start(self):
        return parse_start(self.cleaned_data["start"])


class WeekForm(forms.Form):
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])


class PlainTextField(forms.CharField):
    """Counts a line break as one character, as the browser's own counter does."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class PatientDetailsForm(forms.Form):
    """The patient's details (`PatientContact`), with the model's rules and words for patients."""

    first_name = forms.CharField(
        label="First name", max_length=longest("first_name"), widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        validators=[validate_single_line], error_messages={"required": "Please enter your first name."},
    )
    last_name = forms.CharField(
        label="Last name", max_length=longest("last_name"), widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        validators=[validate_single_line], error_messages={"required": "Please enter your last name."},
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"],
        help_text="Month, day and year, for example 03/27/1958.",
        widget=forms.DateInput(format="%m/%d/%Y", attrs={"autocomplete": "bday"}),
        validators=[validate_date_of_birth],
        error_messages={
            "required": "Please enter your date of birth.",
            "invalid": "Enter your date of birth as month/day/year, for example 03/27/1958.",
            "date_of_birth_not_past": "Your date of birth must be in the past.",
            "date_of_birth_too_old": "Please check the year of your date of birth.",
        },
    )
    phone = forms.CharField(
        label="Mobile phone",
        max_length=30,
        help_text="With area code. We call this number about your appointment.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": "Please enter a phone number we can reach you on."},
    )
    email = forms.EmailField(
        label="Email",
        max_length=longest("email"),
        help_text="We send your confirmation here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Please enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )
    is_new_patient = forms.TypedChoiceField(
        label="Have you been seen at our practice before?",
        choices=[("yes", "No, I am a new patient"), ("no", "Yes, I am a returning patient")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please tell us whether you are a new or returning patient.",
            "invalid_choice": "Please tell us whether you are a new or returning patient.",
        },
    )
    reason = PlainTextField(
        label="Reason for the visit (optional)",
        required=False,
        max_length=longest("reason"),
        help_text="Optional, up to 500 characters: where it hurts and for how long.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Please shorten this to 500 characters or fewer (it has %(show_value)d)."},
    )
    consent_to_contact = forms.BooleanField(
        label="You may contact me by phone and email about this appointment.",
        error_messages={"required": "Please tick this box so that we can confirm your appointment with you."},
    )
    # Spam traps: see appointments.antispam. The box is off-screen and hidden from screen readers.
    website = forms.CharField(
        label="Leave this box empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    # A form sent back faster than people type (autofill, a password manager) is not refused
    # but shown again, everything kept, with this next step at the top and by the button.
    submit_label = "Book this appointment"
    confirm_message = f"Nothing is booked yet: please check your details and press ‘{submit_label}’ to confirm."
    refused_message = antispam.REFUSED  # what a bot (a filled honeypot) is told

    def __init__(self, *args, browser: str = "", **kwargs):
        """`browser`: the sending browser's key (`antispam.browser_key`), which its stamp must carry."""
        super().__init__(*args, **kwargs)
        self.browser = browser
        self.form_key = ""

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        antispam.check_traps(self, data, self.refused_message)
        return data

    @property
    def needs_confirming(self) -> bool:
        """Sent back too fast and otherwise fine: the patient only has to press the button again."""
        return self.is_bound and self.has_error(NON_FIELD_ERRORS, "too_fast")

    def contact_details(self) -> dict:
        """The patient's details for `appointments.booking` (`CONTACT_FIELDS` as keys)."""
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}

    def consent_given(self) -> str | None:
        """The version of the telehealth consent the patient agreed to, or None (office visits)."""
        return None


class BookingDetailsForm(PatientDetailsForm):
    """The details of an online booking: the patient's, and how the visit is paid."""

    # How the visit is paid (appointments.coverage): asked at booking, as 45 CFR 149.610 requires.
    coverage = forms.ChoiceField(
        label="How will you pay for this visit?",
        choices=[
            (Appointment.Coverage.INSURANCE, "I have insurance: please bill my plan"),
            (Appointment.Coverage.INSURED_PAYING_SELF, "I have insurance but will pay myself (no claim to my plan)"),
            (Appointment.Coverage.UNINSURED, "I do not have insurance: I will pay myself"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": payment.ASK_HOW_YOU_PAY, "invalid_choice": payment.ASK_HOW_YOU_PAY},
    )
    insurance_plan = forms.ChoiceField(
        label="Your insurance plan",
        required=False,
        help_text="Only if we bill your plan. Plans marked “not taken” we cannot bill for this visit.",
        error_messages={"invalid_choice": payment.CHOOSE_A_PLAN},
    )
    plan_name = forms.CharField(
        label="Your plan’s name, if it is not listed",
        required=False,
        max_length=200,
        validators=[validate_single_line],
        help_text="As on your insurance card, e.g. “Aetna Open Access”. Our front desk checks it before your visit.",
        error_messages={"max_length": "Please shorten the plan’s name to 200 characters or fewer."},
    )

    def __init__(self, *args, visit_type: VisitType | None = None, **kwargs):
        """`visit_type`: the visit being booked, if known, so that the plan list says which plans are not taken for it."""
        super().__init__(*args, **kwargs)
        self.visit_type = visit_type
        self.plan_not_taken = False  # the patient chose a plan we do not take for this visit
        plans = payment.plans_for(visit_type) if visit_type else []
        self.fields["insurance_plan"].choices = [
            ("", "Choose your plan"),
            *((str(shown.plan.pk), str(shown.plan) if shown.taken else f"{shown.plan} (not taken for this visit)") for shown in plans),
            (payment.NOT_LISTED, "My plan is not listed"),
        ]

    def clean(self):
        # First, so that a form sent back too fast with a plan we do not take says so at once.
        self.check_coverage()
        return super().clean()

    def check_coverage(self):
        """Tell the patient now, before they book, when the answer cannot be booked (e.g. a plan we do not take)."""
        if self.cleaned_data.get("coverage") in Appointment.SELF_PAY_COVERAGE:
            # Paying themselves: a plan left chosen (or since removed from the list) does not matter.
            for name in ("insurance_plan", "plan_name"):
                self.errors.pop(name, None)
        if self.visit_type is None or {"coverage", "insurance_plan", "plan_name"} & set(self.errors):
            return
        data = self.cleaned_data
        if data.get("coverage") == Appointment.Coverage.INSURANCE and data.get("insurance_plan") not in ("", payment.NOT_LISTED) \
                and data.get("plan_name", "").strip():
            # Both a plan from the list and a typed name: which one to bill is not for us to guess.
            self.add_error("plan_name", payment.PLAN_CHOSEN_AND_TYPED)
            return
        try:
            payment.check_coverage(self.visit_type, self.coverage_answer())
        except CoverageRefused as refusal:
            self.plan_not_taken = refusal.code == payment.PLAN_NOT_TAKEN
            self.add_error(refusal.field, refusal.message)

    def coverage_answer(self) -> CoverageAnswer:
        """How the patient said they will pay, for `appointments.booking.book`."""
        data = self.cleaned_data
        plan = data.get("insurance_plan", "")
        if data.get("coverage") != Appointment.Coverage.INSURANCE:
            return CoverageAnswer(data.get("coverage", ""))
        if plan == payment.NOT_LISTED:
            return CoverageAnswer(data["coverage"], plan_name=data.get("plan_name", ""), not_listed=True)
        return CoverageAnswer(data["coverage"], int(plan) if plan else None)


class VideoVisitDetailsForm(BookingDetailsForm):
    """A video visit's details: the patient's, and their consent to telehealth (appointments.consent),
    given after the page told them the clinician's name and licence type."""

    telehealth_consent = forms.BooleanField(
        label=consent.PATIENT_AGREES, error_messages={"required": consent.NOT_GIVEN},
    )
    # The version of the wording the page showed, so that what is recorded is what was read.
    consent_version = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def consent_given(self) -> str | None:
        return (self.cleaned_data.get("consent_version") or None) if self.cleaned_data.get("telehealth_consent") else None


class SeriesForm(forms.Form):
    """On the details page of a visit type booked as a course (`VisitType.series_allowed`): how
    many visits, and how often. One visit is a booking as any other."""

    visits = forms.TypedChoiceField(
        label="How many visits",
        coerce=int,
        initial=1,
        choices=[(1, "Just this visit"), *((count, f"{count} visits") for count in range(2, 9))],
        help_text="Your clinician may have suggested a course of treatment. With more than one visit, you see the dates "
        "to check before anything is booked.",
        error_messages={"invalid_choice": "Please choose from 1 to 8 visits."},
    )
    every_weeks = forms.TypedChoiceField(
        label="How often",
        coerce=int,
        initial=1,
        choices=[(1, "Every week"), (2, "Every two weeks")],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Please choose every week or every two weeks.", "required": "Please choose how often."},
    )

    @property
    def is_series(self) -> bool:
        return self.is_valid() and self.cleaned_data["visits"] > 1


def chosen_series_times(data, rows: int) -> list[datetime | None]:
    """The proposal page's chosen time of each row (`series_time_<n>`); None for a row left
    without a visit, or a value that is not a time (nothing typed is lost: the page shows the
    row again to choose)."""
    times = []
    for number in range(min(rows, 8)):
        value = data.get(f"series_time_{number}", "")
        try:
            times.append(parse_start(value) if value else None)
        except ValidationError:
            times.append(None)
    return times

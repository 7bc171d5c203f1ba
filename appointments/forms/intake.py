"""The intake forms, one section per page: what each asks and why.

Every question carries the reason a clinician would give for it (its help text). A section is a
plain Django form; `appointments.intake` decides which sections a visit's intake has, stores what
they clean (sealed) and builds the staff summary from the same forms, so a question is written once.

A section's `cleaned_data` must be JSON: dates are kept as text (YYYY-MM-DD).
"""

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from clinic.phone import normalise_phone
from clinic.us_states import US_STATES
from clinic.validators import validate_single_line

YES_NO = [("yes", "Yes"), ("no", "No")]
SCALE = [(str(number), str(number)) for number in range(11)]
REQUIRED = "Please answer this question."


def plain_length_limit(field: forms.CharField):
    """The field's length limit, said plainly (Django's own wording counts what the patient cannot see)."""
    field.validators = [
        MaxLengthValidator(field.max_length, f"Please shorten this to at most {field.max_length} characters.")
        if isinstance(validator, MaxLengthValidator) else validator
        for validator in field.validators
    ]


class Line(forms.CharField):
    """One line of text: spaces trimmed, no line breaks."""

    def __init__(self, label, max_length=120, required=False, **kwargs):
        super().__init__(label=label, max_length=max_length, required=required, validators=[validate_single_line], **kwargs)
        plain_length_limit(self)


class Text(forms.CharField):
    """A few lines of text. A line break counts as one character, as the browser's own limit counts it
    (browsers send it as two)."""

    def __init__(self, label, max_length=1000, required=False, **kwargs):
        super().__init__(label=label, max_length=max_length, required=required, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)
        plain_length_limit(self)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def yes_no(label, help_text, required=True):
    return forms.ChoiceField(
        label=label, help_text=help_text, choices=YES_NO, widget=forms.RadioSelect, required=required,
        error_messages={"required": REQUIRED},
    )


def ticks(label, choices, help_text):
    return forms.MultipleChoiceField(
        label=label, help_text=help_text, choices=choices, widget=forms.CheckboxSelectMultiple, required=False,
    )


def scale(label, help_text):
    return forms.ChoiceField(
        label=label, help_text=help_text, choices=SCALE, widget=forms.RadioSelect,
        error_messages={"required": REQUIRED, "invalid_choice": "Please choose a number from 0 to 10."},
    )


def phone_or_error(value: str) -> str:
    try:
        return normalise_phone(value)
    except ValidationError as error:
        raise ValidationError(error.messages[0]) from None


class SectionForm(forms.Form):
    """A section: its slug (in the page's address), title and why it is asked."""

    slug = ""
    title = ""
    why = ""
    # Clinical sections are read by clinicians only; the others (registration) by the front desk too.
    clinical = True

    def __init__(self, *args, appointment=None, **kwargs):
        self.appointment = appointment
        super().__init__(*args, **kwargs)

    @property
    def scale_fields(self) -> list[str]:
        """The 0-10 scales, which the page shows in a row."""
        return [name for name, field in self.fields.items() if getattr(field, "choices", None) == SCALE]

    def answers(self) -> dict:
        """What is stored of this section: its cleaned data, as JSON."""
        return dict(self.cleaned_data)


class ContactsForm(SectionForm):
    slug = "contacts"
    title = "Your address and emergency contact"
    why = "We need your address for your chart and your bills, and someone to call if you feel unwell during or after a treatment."
    clinical = False

    address = Line("Street address", max_length=200, required=True, error_messages={"required": "Please enter your street address."})
    city = Line("City or town", max_length=80, required=True, error_messages={"required": "Please enter your city or town."})
    state = forms.ChoiceField(label="State", choices=[("", "Choose a state"), *US_STATES], error_messages={"required": "Please choose your state."})
    zip_code = forms.RegexField(
        label="ZIP code", regex=r"^\d{5}(-\d{4})?$", max_length=10,
        error_messages={"required": "Please enter your ZIP code.", "invalid": "Enter a 5-digit ZIP code, e.g. 20877."},
    )
    emergency_name = Line("Emergency contact's name", required=True, error_messages={"required": "Please give the name of someone we may call."})
    emergency_relationship = Line("How they are related to you", max_length=60, help_text="For example: wife, son, friend.")
    emergency_phone = forms.CharField(
        label="Their phone number", max_length=20, error_messages={"required": "Please give their phone number."},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),  # not the patient's own number
    )

    def clean_emergency_phone(self):
        return phone_or_error(self.cleaned_data["emergency_phone"])


class DoctorsForm(SectionForm):
    slug = "doctors"
    title = "Your doctors"
    why = "With your permission we send your other doctors a short report, so that your care fits together."
    clinical = False

    primary_care = Line("Your primary care doctor", help_text="Their name and practice, if you have one.", max_length=200)
    primary_care_phone = forms.CharField(
        label="Their phone number (if you know it)", max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    referred_by = Line(
        "Who sent you to us?", max_length=200,
        help_text="The doctor's name and practice. Leave empty if you came to us yourself.",
    )
    may_share_reports = yes_no(
        "May we send your visit reports to these doctors?",
        "Only if you named a doctor above. You can change your mind at any time by telling us.", required=False,
    )

    def clean_primary_care_phone(self):
        value = self.cleaned_data["primary_care_phone"]
        return phone_or_error(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        named = cleaned.get("primary_care") or cleaned.get("referred_by")
        if named and not cleaned.get("may_share_reports") and "may_share_reports" not in self.errors:
            self.add_error("may_share_reports", "Please answer this question: may we send reports to the doctors you named?")
        if not named:
            cleaned["may_share_reports"] = ""  # no doctor named, nobody to send a report to
        return cleaned


class InsuranceForm(SectionForm):
    slug = "insurance"
    title = "Your insurance"
    why = "We need these details from your insurance card to bill your plan and check your cover before the visit."
    clinical = False

    plan = Line("Insurance plan", max_length=200, required=True, help_text="As it is printed on your card.",
                error_messages={"required": "Please enter the name of your plan."})
    member_id = forms.RegexField(
        label="Member ID", regex=r"^[A-Za-z0-9 -]{3,30}$", max_length=30,
        error_messages={"required": "Please enter your member ID from your card.",
                        "invalid": "Enter the member ID as on your card: letters and digits, 3 to 30 of them."},
    )
    group_number = forms.RegexField(
        label="Group number", regex=r"^[A-Za-z0-9 -]{1,30}$", max_length=30, required=False,
        help_text="If your card shows one.", error_messages={"invalid": "Enter the group number as on your card: letters and digits."},
    )
    subscriber = forms.ChoiceField(
        label="Whose plan is it?", widget=forms.RadioSelect, error_messages={"required": REQUIRED},
        choices=[("self", "Mine"), ("spouse", "My spouse's or partner's"), ("parent", "My parent's"), ("other", "Someone else's")],
    )
    subscriber_name = Line("The plan holder's full name", help_text="Only if the plan is not yours.")
    subscriber_birth_date = forms.DateField(
        label="The plan holder's date of birth", required=False,
        help_text="Only if the plan is not yours. Month, day and year, for example 04/30/1961.",
        input_formats=["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"], widget=forms.DateInput(format="%m/%d/%Y"),
        error_messages={"invalid": "Enter the date as month/day/year, for example 04/30/1961."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Stored as YYYY-MM-DD (JSON): shown again as the patient typed it, month/day/year.
        stored = self.initial.get("subscriber_birth_date")
        if isinstance(stored, str) and stored:
            try:
                self.initial = {**self.initial, "subscriber_birth_date": date.fromisoformat(stored)}
            except ValueError:
                pass

    def clean_subscriber_birth_date(self):
        born = self.cleaned_data["subscriber_birth_date"]
        if born and born >= timezone.localdate():
            raise ValidationError("The plan holder's date of birth must be in the past.")
        if born and born.year < 1900:
            raise ValidationError("Please check the year of the plan holder's date of birth.")
        return born

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("subscriber") and cleaned["subscriber"] != "self":
            if not cleaned.get("subscriber_name"):
                self.add_error("subscriber_name", "Please enter the plan holder's name.")
            if not cleaned.get("subscriber_birth_date") and "subscriber_birth_date" not in self.errors:
                self.add_error("subscriber_birth_date", "Please enter the plan holder's date of birth.")
        return cleaned

    def answers(self) -> dict:
        answers = super().answers()
        born = answers.get("subscriber_birth_date")
        answers["subscriber_birth_date"] = born.isoformat() if born else ""
        return answers


CONDITIONS = [
    ("high_blood_pressure", "High blood pressure"),
    ("heart_disease", "Heart disease or heart rhythm problem"),
    ("diabetes", "Diabetes"),
    ("bleeding_disorder", "A bleeding or clotting disorder (e.g. haemophilia)"),
    ("lung_disease", "Lung disease (e.g. COPD, collapsed lung)"),
    ("stroke", "Stroke"),
    ("seizures", "Seizures or epilepsy"),
    ("cancer", "Cancer, now or in the past"),
    ("osteoporosis", "Osteoporosis"),
    ("immune", "A weak immune system (e.g. from medicines, HIV)"),
    ("infection", "An infection now, or a skin problem where you have pain"),
    ("fainting", "Fainting with needles or blood tests"),
]


class HistoryForm(SectionForm):
    slug = "history"
    title = "Your health"
    why = "Some conditions change which treatments are safe for you and how we give them."

    conditions = ticks("Do you have, or have you had, any of these?", CONDITIONS, "Tick all that apply. Leave all empty if none.")
    surgeries = Text("Operations you have had, and when", help_text="For example: knee replacement 2019.")
    other_conditions = Text("Anything else about your health we should know", help_text="Other illnesses or injuries.")


ALLERGIES = [
    ("local_anaesthetic", "Local anaesthetics (e.g. lidocaine, the numbing medicine dentists use)"),
    ("latex", "Latex (rubber gloves)"),
    ("metals", "Metals (e.g. nickel in jewellery)"),
    ("adhesive", "Plasters or medical tape"),
    ("iodine", "Iodine or skin cleaners"),
]


class MedicinesForm(SectionForm):
    slug = "medicines"
    title = "Medicines and allergies"
    why = "Some medicines and allergies change what we can safely use: needles, injections, skin cleaners and gloves."

    medicines = Text(
        "Medicines you take now", help_text="Prescription and over the counter, with the dose if you know it. "
        "Write “none” if you take none.", required=True, error_messages={"required": "Please list your medicines, or write “none”."},
    )
    blood_thinners = yes_no(
        "Do you take a medicine that thins your blood?",
        "For example warfarin (Coumadin), apixaban (Eliquis), rivaroxaban (Xarelto), clopidogrel (Plavix) or a daily aspirin. "
        "Needles can cause more bleeding or bruising with these.",
    )
    blood_thinner_names = Line("Which one, and how much?", max_length=200, help_text="Only if you answered yes.")
    allergies = ticks("Are you allergic to any of these?", ALLERGIES, "Tick all that apply. Leave all empty if none.")
    other_allergies = Text("Other allergies, and what happens", help_text="For example: penicillin, rash.", max_length=500)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("blood_thinners") == "yes" and not cleaned.get("blood_thinner_names") and "blood_thinner_names" not in self.errors:
            self.add_error("blood_thinner_names", "Please tell us which blood thinner you take.")
        return cleaned


DEVICES = [
    ("pacemaker", "A pacemaker or heart defibrillator"),
    ("stimulator", "A spinal cord or nerve stimulator"),
    ("pump", "An implanted pain or medicine pump"),
    ("metal", "Metal in the body: a joint replacement, plates, screws or shrapnel"),
    ("other_device", "Another implanted device"),
]


class PregnancyDevicesForm(SectionForm):
    slug = "pregnancy-devices"
    title = "Pregnancy and implants"
    why = "Some treatments are not given in pregnancy, and electrical stimulation is not used near implanted devices."

    pregnancy = forms.ChoiceField(
        label="Are you pregnant, or could you be?", widget=forms.RadioSelect, error_messages={"required": REQUIRED},
        choices=[("yes", "Yes"), ("not_sure", "Not sure"), ("no", "No"), ("not_applicable", "Does not apply to me")],
    )
    devices = ticks("Do you have any of these?", DEVICES, "Tick all that apply. Leave all empty if none.")
    device_details = Line("Which device, and where?", max_length=200, help_text="Only if you ticked one.")


BODY_REGIONS = [
    ("head", "Head or face"),
    ("neck", "Neck"),
    ("upper_back", "Upper back"),
    ("low_back", "Lower back"),
    ("shoulder_left", "Left shoulder"), ("shoulder_right", "Right shoulder"),
    ("arm_left", "Left arm, elbow or hand"), ("arm_right", "Right arm, elbow or hand"),
    ("chest", "Chest or ribs"),
    ("abdomen", "Abdomen or groin"),
    ("hip_left", "Left hip or buttock"), ("hip_right", "Right hip or buttock"),
    ("leg_left", "Left leg or knee"), ("leg_right", "Right leg or knee"),
    ("foot_left", "Left ankle or foot"), ("foot_right", "Right ankle or foot"),
]
DURATIONS = [
    ("under_6_weeks", "Less than 6 weeks"),
    ("6_weeks_3_months", "6 weeks to 3 months"),
    ("3_12_months", "3 to 12 months"),
    ("over_a_year", "More than a year"),
]


class PainForm(SectionForm):
    slug = "pain"
    title = "Your pain"
    why = "Where and how much it hurts, and what changes it, helps your clinician plan the visit and see progress later."

    regions = forms.MultipleChoiceField(
        label="Where do you have pain?", choices=BODY_REGIONS, widget=forms.CheckboxSelectMultiple,
        help_text="Tick every place.", error_messages={"required": "Please tick at least one place where you have pain."},
    )
    strength = scale("How strong is your pain on an average day?", "0 means no pain, 10 the worst pain you can imagine.")
    since = forms.ChoiceField(
        label="How long have you had this pain?", choices=DURATIONS, widget=forms.RadioSelect,
        error_messages={"required": REQUIRED},
    )
    how_it_started = Line("How did it start?", max_length=300, help_text="For example: a fall, lifting, or it came slowly.")
    better = Line("What makes it better?", max_length=300, help_text="For example: heat, rest, walking.")
    worse = Line("What makes it worse?", max_length=300, help_text="For example: sitting, bending, stairs.")


class ProgressForm(SectionForm):
    """A returning patient's short check: the three-item PEG scale (Krebs et al., 2009), and what changed."""

    slug = "progress"
    title = "How you are doing"
    why = "Three short questions, the same at every visit, show your clinician how your pain and your days are changing."

    pain = scale("In the past week, how bad was your pain on average?", "0 means no pain, 10 the worst pain you can imagine.")
    enjoyment = scale(
        "In the past week, how much did pain get in the way of your enjoyment of life?",
        "0 means not at all, 10 that it completely got in the way.",
    )
    activity = scale(
        "In the past week, how much did pain get in the way of your general activity?",
        "0 means not at all, 10 that it completely got in the way.",
    )
    changes = yes_no(
        "Has anything changed in your health or your medicines since your last visit?",
        "For example a new medicine, a fall, an operation, or a pregnancy.",
    )
    change_details = Text("What changed?", help_text="Only if you answered yes.", max_length=500)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("changes") == "yes" and not cleaned.get("change_details") and "change_details" not in self.errors:
            self.add_error("change_details", "Please tell us what changed.")
        return cleaned


class ScreeningForm(SectionForm):
    """The treatment's safety questions (ScreeningQuestion), one yes/no field each: `q<pk>`."""

    slug = "screening"
    title = "Safety questions for your treatment"
    why = "A few questions about this treatment's safety. An answer never stops you booking: a clinician looks first, and we call you if needed."

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = yes_no(question.question, question.reason)


class ConsentForm(SectionForm):
    """Consent, signed by typing the full name and ticking the box."""

    slug = "consent"
    title = "Consent"
    clinical = False  # a signature, not a health answer (the signatures are shown to the front desk too)
    why = "Please read what you agree to before the treatment. Ask us about anything that is not clear."

    signed_name = Line(
        "Type your full name to sign", max_length=120, required=True,
        error_messages={"required": "Please type your full name to sign."},
    )
    agree = forms.BooleanField(
        label="I have read the consent above and I agree to it.",
        error_messages={"required": "Please tick the box to agree, or call us if you have questions."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_name"].widget.attrs["autocomplete"] = "name"

    def clean_signed_name(self):
        """The patient's own name: their first name and every part of their last name as booked, in
        any case, with or without accents, apostrophes and hyphens, middle names allowed."""
        name = " ".join(self.cleaned_data["signed_name"].split())
        if self.appointment is not None and name:
            first, last = name_words(self.appointment.first_name), name_words(self.appointment.last_name)
            if not set(first[:1] + last) <= set(name_words(name)):
                expected = f"{self.appointment.first_name} {self.appointment.last_name}"
                raise ValidationError(f"Please type your own full name, as you booked: {expected}.")
        return name


# Letters that Unicode does not split into a letter and an accent, as names are typed without them.
UNSPLIT_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i", "ð": "d"})


def name_words(text: str) -> list[str]:
    """A name as comparable words: “Renée O’Hara-Łukasz” → ["renee", "ohara", "lukasz"]."""
    from appointments.models.patient import plain_text

    return plain_text(re.sub(r"[-‐‑–.,]", " ", text)).translate(UNSPLIT_LETTERS).split()


@dataclass(frozen=True)
class Section:
    """One page of a visit's intake."""

    form_class: type[SectionForm]

    @property
    def slug(self) -> str:
        return self.form_class.slug

    @property
    def title(self) -> str:
        return self.form_class.title


NEW_PATIENT_SECTIONS = [ContactsForm, DoctorsForm, InsuranceForm, HistoryForm, MedicinesForm, PregnancyDevicesForm, PainForm]
FOLLOW_UP_SECTIONS = [ProgressForm]
SECTION_FORMS = {form.slug: form for form in [*NEW_PATIENT_SECTIONS, *FOLLOW_UP_SECTIONS, ScreeningForm, ConsentForm]}


def answer_in_forms(key: str, answers: dict) -> str | None:
    """A screening question's answer taken from the new-patient forms (ScreeningQuestion.key):
    "yes", "no", or None when those forms did not ask it (or are not filled in)."""
    history, medicines, body = answers.get("history"), answers.get("medicines"), answers.get("pregnancy-devices")
    found = {
        "blood_thinners": medicines and medicines.get("blood_thinners"),
        "bleeding_disorder": history and ("yes" if "bleeding_disorder" in history.get("conditions", []) else "no"),
        "local_anaesthetic_allergy": medicines and ("yes" if "local_anaesthetic" in medicines.get("allergies", []) else "no"),
        # Electrical stimulation is not used with a pacemaker, a defibrillator or an implanted stimulator.
        "pacemaker": body and ("yes" if {"pacemaker", "stimulator"} & set(body.get("devices", [])) else "no"),
        "pregnancy": body and ("yes" if body.get("pregnancy") in ("yes", "not_sure") else "no"),
    }.get(key)
    return found or None


# Where the patient said more about a form question a safety question stands for: shown beside
# the flagged answer on the clinician's summary (section slug, field name).
FORM_QUESTION_DETAILS = {
    "blood_thinners": ("medicines", "blood_thinner_names"),
    "bleeding_disorder": ("history", "other_conditions"),
    "local_anaesthetic_allergy": ("medicines", "other_allergies"),
    "pacemaker": ("pregnancy-devices", "device_details"),
}


def detail_in_forms(key: str, answers: dict) -> str:
    """What the patient wrote about a form question (e.g. which blood thinner), or ""."""
    slug, name = FORM_QUESTION_DETAILS.get(key, ("", ""))
    return str((answers.get(slug) or {}).get(name) or "")

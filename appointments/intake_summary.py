"""The staff summary of one visit's intake, in words, for the chart (appointments.admin.intake).

Built from the section forms themselves (appointments.forms.intake): each answer is shown with
its question's label and in the words of the choices the patient saw, so a question is written
once. Which sections a reader gets is the caller's decision (`clinical` flags the sections for
clinicians only); this module reads nothing but the answers given and the screening questions.
"""

from dataclasses import dataclass

from django import forms

from appointments.forms.intake import (
    FOLLOW_UP_SECTIONS,
    NEW_PATIENT_SECTIONS,
    ScreeningForm,
    SectionForm,
)
from appointments.models import ScreeningQuestion

NOT_ANSWERED = "Not answered"
NONE_TICKED = "None ticked"
# The order sections are printed in (the consent section is shown as its signatures instead).
SECTION_ORDER = [*NEW_PATIENT_SECTIONS, *FOLLOW_UP_SECTIONS, ScreeningForm]


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


@dataclass(frozen=True)
class SectionSummary:
    title: str
    clinical: bool
    answers: list[Answer]


def in_words(field: forms.Field, value) -> str:
    """An answer as the patient chose it: the choice's label, ticks as a list, yes or no."""
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if value in (None, "", []):
        return NONE_TICKED if isinstance(field, forms.MultipleChoiceField) else NOT_ANSWERED
    choices = dict(getattr(field, "choices", ()) or ())
    if isinstance(field, forms.MultipleChoiceField):
        return "; ".join(str(choices.get(item, item)) for item in value)
    return str(choices.get(value, value))


def screening_form(answers: dict) -> SectionForm:
    """The safety questions as asked: the ones answered (even if no longer asked today)."""
    asked = [key[1:] for key in answers if key.startswith("q") and key[1:].isdigit()]
    questions = ScreeningQuestion.objects.filter(pk__in=asked).order_by("order", "pk")
    return ScreeningForm(questions=questions)


def sections_of(answers: dict) -> list[SectionSummary]:
    """Every section the patient saved, in the forms' order, each question with its answer in words."""
    summaries = []
    for form_class in SECTION_ORDER:
        given = answers.get(form_class.slug)
        if given is None:
            continue
        form = screening_form(given) if form_class is ScreeningForm else form_class()
        # An optional question left empty is left out: the chart copy stays on one page.
        rows = [
            Answer(str(field.label), in_words(field, given.get(name))) for name, field in form.fields.items()
            if field.required or given.get(name) not in (None, "") or isinstance(field, forms.MultipleChoiceField)
        ]
        summaries.append(SectionSummary(form_class.title, form_class.clinical, rows))
    return summaries

"""The waitlist's forms (appointments.waitlist): joining it as a new booking (the booking form's
patient details, payment question and spam traps, plus what would suit), or, already booked,
asking for an earlier time (only what would suit: the visit has the rest)."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from appointments.forms.booking import BookingDetailsForm
from appointments.models import VisitType
from appointments.waitlist import Wish
from clinic.models import OfficeHours, Provider

WEEKDAYS = [(str(day.value), day.label) for day in OfficeHours.Weekday]
WORKING_WEEK = [value for value, _ in WEEKDAYS[:5]]


def open_weekdays() -> list[tuple[str, str]]:
    """The days of the week the office has hours on (Monday to Friday before any hours are set)."""
    open_days = {str(day) for day in OfficeHours.objects.values_list("weekday", flat=True)} or set(WORKING_WEEK)
    return [(value, label) for value, label in WEEKDAYS if value in open_days]
TIMES_OF_DAY = [("mornings", "Mornings (before noon)"), ("afternoons", "Afternoons (noon or later)")]
DAY_FORMATS = ["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"]


def day_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label, input_formats=DAY_FORMATS, help_text=help_text,
        widget=forms.DateInput(format="%m/%d/%Y"),
        error_messages={"required": f"Please enter a date for “{label}”.",
                        "invalid": "Enter the date as month/day/year, for example 03/27/2027."},
    )


class WishForm(forms.Form):
    """What would suit: the dates, the days of the week and the times of day."""

    first_day = day_field("From", "The first day you could come, month/day/year.")
    last_day = day_field("Until", "The last day you could come. You leave the list after it.")
    weekdays = forms.MultipleChoiceField(
        label="Days that suit you", choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Please tick at least one day of the week.", "invalid_choice": "Please tick only the days shown."},
    )
    times_of_day = forms.MultipleChoiceField(
        label="Times of day that suit you", choices=TIMES_OF_DAY, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Please tick mornings, afternoons or both.", "invalid_choice": "Please tick only the times shown."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["first_day"].initial = today
        self.fields["last_day"].initial = today + timedelta(days=28)
        # Only the days the office opens (a Saturday box on a practice closed on Saturdays would never be
        # offered a time), all ticked to start with.
        self.fields["weekdays"].choices = open_weekdays()
        self.fields["weekdays"].initial = [value for value, _ in self.fields["weekdays"].choices]
        self.fields["times_of_day"].initial = ["mornings", "afternoons"]

    def wish(self, visit_type: VisitType, provider: Provider | None) -> Wish:
        data = self.cleaned_data
        return Wish(
            visit_type=visit_type, provider=provider, first_day=data["first_day"], last_day=data["last_day"],
            mornings="mornings" in data["times_of_day"], afternoons="afternoons" in data["times_of_day"],
            weekdays="".join(value for value, _ in WEEKDAYS if value in data["weekdays"]),
        )


class WaitlistJoinForm(WishForm, BookingDetailsForm):
    """Joining as a patient not booked yet: which visit, with whom, what would suit, and the details a booking needs."""

    visit = forms.ModelChoiceField(
        VisitType.objects.bookable().filter(in_office=True), label="Visit", empty_label="Choose a visit",
        to_field_name="slug", error_messages={"required": "Please choose a visit.", "invalid_choice": "Please choose a visit."},
    )
    provider = forms.ChoiceField(label="With", required=False, help_text="Any clinician who offers the visit, or one by name.",
                                 error_messages={"invalid_choice": "Please choose a clinician from the list, or “Any clinician”."})

    submit_label = "Join the waitlist"
    confirm_message = f"You are not on the list yet: please check your details and press ‘{submit_label}’."

    field_order = ["visit", "provider", "first_day", "last_day", "weekdays", "times_of_day"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Any clinician"), *((str(p.pk), p.name) for p in Provider.objects.active())]

    def chosen_provider(self) -> Provider | None:
        value = self.cleaned_data.get("provider") or ""
        return Provider.objects.active().filter(pk=int(value)).first() if value.isdigit() else None

"""Appointments in the admin: the front desk's list, booking by phone (also from a
telehealth request), moving a visit, the status actions, and the day schedule. Every
change goes through `appointments.booking` (or `appointments.telehealth` for a visit
booked from a request); this module only turns their refusals into form errors and messages."""

from datetime import timedelta
from functools import partial
from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from auditlog.signals import accessed

from appointments import booking, clinicians, consent, estimates, patients, series, telehealth
from appointments.admin.appointment_intake import IntakeOnAppointmentAdmin
from appointments.admin.calendar import calendar_view
from appointments.admin.daily_actions import DailyActionsAdmin, warn_if_no_way_to_join
from appointments.admin.patient_record import PatientRecordAdmin
from appointments.admin.patients import BOOK_FOR_PARAMETER, patient_summary
from appointments.audit import record_list_view
from appointments.calendar import starts_at_from_address
from appointments.booking import BookingRefused
from appointments.coverage import PLAN_NOT_TAKEN, CoverageAnswer, CoverageRefused, check_coverage, not_taken_message_for_staff
from appointments.models import CONTACT_FIELDS, Appointment, InsurancePlan, Patient, TelehealthRequest
from clinic.admin import FRIENDLY_FIELDS, FilterWithDefault
from clinic.hours import day_window
from clinic.models import Provider
from clinic.phone import display_phone, normalise_phone
from clinic.validators import validate_plausible_date

VISIT_FIELDS = ["provider", "visit_type", "modality", "starts_at"]
# How the visit is paid, as the patient says on the phone (online, the booking form asks it).
PAYMENT_FIELDS = ["coverage", "insurance_plan", "insurance_plan_name"]
PAYMENT_DESCRIPTION = (
    "Ask whether the patient is insured and, if so, which plan we should bill, or whether they will pay themselves. "
    "If their plan is not in the list, leave the plan empty and type its name. A plan we do not take for this visit "
    "cannot be chosen: tell the patient the self-pay price (on the visit type) and choose a “paying themselves” answer. "
    "Patients paying themselves are owed a good faith estimate."
)
# Times as receptionists type them ("9:15 AM", "2 pm"), besides the 24-hour clock (14:00).
TYPED_TIME_FORMATS = ["%I:%M %p", "%I:%M%p", "%I %p", "%I%p"]
# A video visit booked by phone: where the patient will be, and what staff confirm they told them.
VIDEO_FIELDS = ["patient_state", "telehealth_consent"]
VIDEO_DESCRIPTION = (
    "Only for a video visit. Ask where the patient will be during the visit: the clinician must be licensed in "
    "that state (their licences are on their page under Providers). Tell the patient the clinician's name and licence "
    "type, then read them the consent below and tick the box if they agree."
)


def consent_wording_html(version: str):
    paragraphs = consent.wording(version)
    if not paragraphs:
        return "—"
    return format_html(
        "<p>Version {}:</p>{}", version, format_html_join("", "<p>{}</p>", ((paragraph,) for paragraph in paragraphs))
    )
# The address of "Schedule a video visit" on a telehealth request: the booking form, filled in from it.
SCHEDULE_PARAMETER = "telehealth_request"


class AppointmentForm(forms.ModelForm):
    """Staff booking (add) and moving a visit (change), checked on the staff rules of
    `booking.why_staff_cannot_book`; the patient's details on the model's own rules."""

    # Set when the front desk books from a telehealth request ("Schedule"): saving links the two.
    telehealth_request = forms.ModelChoiceField(
        TelehealthRequest.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        help_text="The telehealth request this visit answers.",
        error_messages={"invalid_choice": telehealth.NO_LONGER_OPEN},
    )

    telehealth_consent = forms.BooleanField(
        label="Consent to telehealth", required=False, help_text=consent.STAFF_CONFIRMS,
    )

    # Booking a course of treatment (appointments.series): only for visit types marked for it.
    repeat_visits = forms.TypedChoiceField(
        label="Number of visits", coerce=int, initial=1, required=False, empty_value=1,
        choices=[(1, "Just this visit"), *((count, f"{count} visits (a series)") for count in range(2, 9))],
        help_text="For a visit type booked as a series: the visits are booked together, on the same weekday and time "
        "with the same provider, or none is (the first date that cannot be had is named).",
        error_messages={"invalid_choice": "Choose from 1 to 8 visits."},
    )
    repeat_every_weeks = forms.TypedChoiceField(
        label="How often", coerce=int, initial=1, required=False, empty_value=1,
        choices=[(1, "Every week"), (2, "Every two weeks")],
        help_text="For a series: how far apart its visits are.",
        error_messages={"invalid_choice": "Choose every week or every two weeks."},
    )

    class Meta:
        model = Appointment
        fields = [*VISIT_FIELDS, *CONTACT_FIELDS, "patient_state", *PAYMENT_FIELDS]
        help_texts = {
            "provider": "Who sees the patient. They must offer this visit and be working at that time.",
            "visit_type": "What the visit is for. Its length comes from the visit type.",
            "modality": "In the office, or a video visit (only with providers who see patients by video).",
            "starts_at": "Date and start time, Eastern time (14:15 or 2:15 PM). The office must be open and the provider free for the "
            "whole visit. Unlike online booking, any time from now on is allowed.",
            "patient": "The patient's record number (the magnifier finds it). Leave empty for a new patient or to match by "
            "date of birth, name and email or phone.",
            "patient_record": "The patient's record: all their visits and requests, and their no-shows.",
            "first_name": "The patient's first name.",
            "last_name": "The patient's last name.",
            "date_of_birth": "Tells apart patients with the same name.",
            "phone": "Mobile number with area code, e.g. (301) 555-0142.",
            "phone_number": "Mobile number with area code.",
            "email": "The confirmation, calendar file and the link to cancel or change online are sent here.",
            "is_new_patient": "Ticked if the patient has not been seen at the practice before.",
            "reason": "Optional, at most 500 characters. Only staff see it.",
            "consent_to_contact": "Ticked if the patient agreed to be contacted by email and text about this visit.",
            "reference": "Give this code to the patient; they can quote it when they call.",
            "status": "Change it with the buttons at the top of this page (or the actions on the list), so the patient gets the right email.",
            "checked_in_at": "When the front desk checked the patient in, on the day of the visit.",
            "source": "Whether the patient booked online or staff booked it.",
            "ends_at": "Worked out from the start and the length of the visit type.",
            "emails": "Emails about this visit and whether they have gone out (details in the outbox).",
            "series_visits": "Booked as a series (a course of treatment): every visit of it. Each is changed or cancelled on its own page; "
            "while a later one is booked, “Cancel this visit and the rest of the series” above cancels this one and every later one at once.",
            "patient_state": "Video visits: the state the patient will be in during the visit. The clinician must be licensed there.",
            "telehealth_consent_at": "When the patient agreed to a video visit: ticked online, or told staff who booked by phone "
            "(see “source”).",
            "telehealth_consent_version": "Which wording of the telehealth consent they agreed to.",
            "consent_wording": "The wording of that version, as the patient read it or had it read to them.",
            "room_for_the_visit": "Video visits: where the clinician and the patient meet (the visit's own link if it has one, else its room).",
            "coverage": "How the patient will pay for this visit, as they told you.",
            "insurance_plan": "Only if we bill their insurance: the plan from our list.",
            "insurance_plan_name": "Only if their plan is not in the list: its name as on their card.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and not self.instance.pk:
            self.data = self.with_the_records_details(self.data)
        starts_at = self.fields.get("starts_at")
        if isinstance(starts_at, forms.SplitDateTimeField):
            time_field = starts_at.fields[1]
            time_field.input_formats = [*time_field.input_formats, *TYPED_TIME_FORMATS]
            # The admin's “Date:” and “Time:” words are not tied to their boxes: name each box for screen readers.
            date_box, time_box = starts_at.widget.widgets
            date_box.attrs["aria-label"] = "Start date (YYYY-MM-DD)"
            time_box.attrs["aria-label"] = "Start time (14:15 or 2:15 PM)"
        if "provider" in self.fields:
            current = self.instance.provider_id if self.instance.pk else None
            self.fields["provider"].queryset = Provider.objects.filter(is_active=True) | Provider.objects.filter(pk=current)
        if "telehealth_request" in self.fields:
            self.fields["telehealth_request"].queryset = TelehealthRequest.objects.open()
        if "insurance_plan" in self.fields:
            # The plans listed to patients, and the visit's own even if hidden since (so the visit can still be saved).
            current = self.instance.insurance_plan_id if self.instance.pk else None
            self.fields["insurance_plan"].queryset = InsurancePlan.objects.shown() | InsurancePlan.objects.filter(pk=current)

    @staticmethod
    def with_the_records_details(data):
        """A new booking for a patient record chosen (say from a free time of the calendar, then the
        record's number) with the patient's details left empty: they are the record's. Anything
        typed is kept as typed (and checked as usual)."""
        chosen, record_fields = data.get("patient", ""), ["first_name", "last_name", "date_of_birth", "phone", "email"]
        if not (chosen.isascii() and chosen.isdigit()) or any(data.get(name, "").strip() for name in record_fields):
            return data
        patient = Patient.objects.filter(pk=chosen).first()
        if patient is None:
            return data  # the field says the record does not exist
        data = data.copy()
        for name, value in {
            "first_name": patient.first_name, "last_name": patient.last_name, "date_of_birth": patient.date_of_birth.isoformat(),
            "phone": display_phone(patient.phone), "email": patient.email,
        }.items():
            data[name] = value  # replaces (a QueryDict's update() would add a second value)
        return data

    def clean(self):
        cleaned_data = super().clean()
        if "telehealth_request" in self.errors:
            # The field is hidden, so its error would not show: say it at the top of the form.
            self.add_error(None, self.errors.pop("telehealth_request"))
        if self.moves_the_visit() and not any(name in self.errors for name in VISIT_FIELDS):
            provider, visit_type, modality, starts_at = (cleaned_data[name] for name in VISIT_FIELDS)
            problem = booking.why_staff_cannot_book(provider, visit_type, modality, starts_at, exclude_appointment_id=self.instance.pk)
            if problem:
                self.add_error(problem.field, problem.message)
            elif not self.instance.pk and modality == Appointment.Modality.VIDEO:
                try:
                    booking.check_video_consent(provider, cleaned_data.get("patient_state"), self.consent_given(), by_staff=True)
                except BookingRefused as refusal:
                    self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
        if not self.instance.pk and "coverage" not in self.errors and not cleaned_data.get("coverage"):
            # 45 CFR 149.610 asks it at scheduling: a patient paying themselves is owed an estimate.
            self.add_error("coverage", "Ask the patient how they will pay: with their insurance (which plan), or "
                           "paying themselves (insured but not using it, or not insured).")
        if self.instance.pk and self.changes_coverage() and not cleaned_data.get("coverage"):
            self.add_error("coverage", "Please choose how the patient will pay (it cannot go back to “not asked”).")
        checks_coverage = not self.instance.pk or self.changes_coverage()
        plan, typed = cleaned_data.get("insurance_plan"), " ".join(cleaned_data.get("insurance_plan_name", "").split())
        # On a booked visit the name box shows the plan's name as booked: only a name staff typed counts.
        if checks_coverage and plan and "insurance_plan_name" in self.changed_data and typed and typed != str(plan):
            self.add_error("insurance_plan_name", "A plan is chosen from the list and a name is typed too: clear the name "
                           "to bill the plan chosen, or leave the plan empty to record the name typed.")
        if checks_coverage and "visit_type" not in self.errors and not set(PAYMENT_FIELDS) & set(self.errors):
            answer = self.coverage_answer()
            try:
                if answer is not None and cleaned_data.get("visit_type"):
                    check_coverage(cleaned_data["visit_type"], answer)
            except CoverageRefused as refusal:
                field = {"plan_name": "insurance_plan_name"}.get(refusal.field, refusal.field)
                message = refusal.message
                if refusal.code == PLAN_NOT_TAKEN:  # the patient's wording speaks of buttons staff do not have
                    message = not_taken_message_for_staff(cleaned_data["insurance_plan"], cleaned_data["visit_type"])
                self.add_error(field, message)
        return cleaned_data

    def changes_coverage(self) -> bool:
        """A booked visit whose payment answer staff changed on this form."""
        return bool(self.instance.pk and set(PAYMENT_FIELDS) & set(self.changed_data))

    def coverage_answer(self) -> CoverageAnswer | None:
        """What the patient said on the phone about paying, for `booking.book_for_staff` (None: not asked)."""
        data = self.cleaned_data
        if not data.get("coverage"):
            return None
        plan = data.get("insurance_plan")
        if data["coverage"] != Appointment.Coverage.INSURANCE or plan is not None:
            return CoverageAnswer(data["coverage"], plan.pk if plan else None)
        return CoverageAnswer(data["coverage"], plan_name=data.get("insurance_plan_name", ""), not_listed=True)

    def consent_given(self) -> str | None:
        """The version of the consent wording staff read to the patient, if they ticked that the patient agreed."""
        return consent.TELEHEALTH_CONSENT_VERSION if self.cleaned_data.get("telehealth_consent") else None

    def moves_the_visit(self) -> bool:
        """A new booking, or a change of provider, visit, place or time (not when those are fixed)."""
        if not set(VISIT_FIELDS) <= set(self.fields):
            return False
        return not self.instance.pk or bool(set(VISIT_FIELDS) & set(self.changed_data))


class WhenFilter(FilterWithDefault):
    """Today and later unless asked otherwise; a search or a date picked in the date bar looks at all dates."""

    title = "when"
    parameter_name = "when"
    default = "upcoming"

    def looks_everywhere(self, request):
        return any(key.startswith("starts_at__") for key in request.GET)

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("upcoming", "Today and later"), ("past", "Past"), ("all", "All dates")]

    def queryset(self, request, queryset):
        today_starts, today_ends = day_window(timezone.localdate())
        if self.value() == "today":
            return queryset.filter(starts_at__gte=today_starts, starts_at__lt=today_ends)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=today_starts)
        if self.value() == "past":
            return queryset.filter(starts_at__lt=today_starts)
        return queryset


class DayScheduleForm(forms.Form):
    provider = forms.ModelChoiceField(Provider.objects.all(), required=False, empty_label="Everyone")
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), validators=[validate_plausible_date]
    )


@admin.register(Appointment)
class AppointmentAdmin(IntakeOnAppointmentAdmin, DailyActionsAdmin, PatientRecordAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    form = AppointmentForm
    # Status and patient first, after the time: the two columns a receptionist scans (fits 1280 px).
    # The intake column says where the forms stand, never an answer.
    list_display = ["when", "patient_name", "status_display", "provider", "visit", "intake_status", "reference"]
    list_display_links = ["when", "reference"]
    list_filter = [WhenFilter, "status", "provider", "visit_type", "modality", "coverage"]
    list_select_related = ["provider", "visit_type", "intake"]
    search_fields = ["=reference", "last_name", "first_name", "email", "phone"]
    search_help_text = ("Search by first or last name (accents optional), any part of the phone number, date of birth "
                        "(e.g. 03/27/1958 or 1958-03-27), reference or email.")
    date_hierarchy = "starts_at"
    raw_id_fields = ["patient"]
    # Half Django's 100: each row is rendered in Python, and the first page is the one opened all day (`make bench`).
    list_per_page = 50
    audited_list_page, audited_list_rows = "Appointment list", "appointments"
    actions = ["confirm", "cancel", "mark_completed", "mark_no_show", "send_new_manage_link", "resend_intake_link"]

    def get_queryset(self, request):
        # A clinician sees their own provider's visits only (appointments.clinicians).
        return clinicians.appointments_seen_by(request.user, super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                ("Visit", {"fields": [*VISIT_FIELDS, "video_link", "repeat_visits", "repeat_every_weeks"],
                           "description": "The patient gets an email with the time, a calendar "
                           "file and a link to cancel or change online. Staff bookings are confirmed at once."}),
                ("Video visit: where the patient will be, and their consent", {
                    "fields": VIDEO_FIELDS,
                    "description": format_html("{}<blockquote>{}</blockquote>", VIDEO_DESCRIPTION,
                                               consent_wording_html(consent.TELEHEALTH_CONSENT_VERSION)),
                }),
                ("Patient", {"fields": ["patient", *CONTACT_FIELDS, "telehealth_request"],
                             "description": self.patient_description(request)}),
                ("How the visit is paid", {"fields": PAYMENT_FIELDS, "description": PAYMENT_DESCRIPTION}),
            ]
        patient = [name if name != "phone" else "phone_number" for name in CONTACT_FIELDS]
        visit_description = (
            "To move the visit, pick one of the free times above, or change the provider, place or time here and save: "
            "the patient is emailed the new details. To confirm, check in, cancel, or record that the patient came or "
            "did not, use the buttons above."
        )
        return [
            (None, {"fields": ["reference", "status", "checked_in_at", "source", "series_visits"]}),
            ("Notes for staff", {"fields": ["staff_notes"]}),
            ("Visit", {"fields": VISIT_FIELDS + ["ends_at", "video_link", "room_for_the_visit"], "description": visit_description}),
            ("Video visit: where the patient will be, and their consent", {
                "fields": ["patient_state", "telehealth_consent_at", "telehealth_consent_version", "consent_wording"],
                "description": "As recorded when the visit was booked (blank for office visits, and for video visits "
                "booked before the state and consent were asked). Nobody can change them.",
            }),
            ("Patient", {"fields": ["patient_record", *patient], "description": "As the patient gave it. To correct a detail "
                         "(e.g. a typo in the email), open the patient record: visits still to come follow the correction."}),
            ("How the visit is paid", {"fields": PAYMENT_FIELDS, "description": "As the patient said when booking. "
                                       "Check a plan typed in (not from our list) with the patient before the visit. If they "
                                       "tell you they will pay another way, change it here and save: a visit that becomes "
                                       "self-pay gets its good faith estimate, and one that no longer is has it withdrawn."}),
            ("Emails", {"fields": ["emails"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["reference", "status", "checked_in_at", "source", "series_visits", "ends_at", "room_for_the_visit", "patient_record",
                 "phone_number", "emails", *CONTACT_FIELDS,
                 "patient_state", "telehealth_consent_at", "telehealth_consent_version", "consent_wording"]
        if not obj.is_active or obj.is_over(timezone.now()):
            fixed += VISIT_FIELDS + PAYMENT_FIELDS
        return fixed

    def get_ordering(self, request):
        return ["starts_at"] if request.GET.get("when", "upcoming") in ("today", "upcoming") else ["-starts_at"]

    def telehealth_request_to_schedule(self, request):
        """The open telehealth request named in the address (“Schedule” on the request), or None."""
        pk = request.GET.get(SCHEDULE_PARAMETER, "")
        if not (pk.isascii() and pk.isdigit()) or not request.user.has_perm("appointments.view_telehealthrequest"):
            return None
        return TelehealthRequest.objects.open().filter(pk=pk).first()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # A free time picked on the calendar: its time, read strictly (anything else is left out).
        starts_at = starts_at_from_address(request.GET.get("starts_at", ""))
        if starts_at is not None:
            initial["starts_at"] = starts_at
        telehealth_request = self.telehealth_request_to_schedule(request)
        if telehealth_request is not None:
            # Only the request's id travels in the address; the patient's details come from the database.
            initial.update({
                "modality": Appointment.Modality.VIDEO,
                "patient_state": telehealth_request.state,
                "telehealth_request": telehealth_request.pk,
                "patient": telehealth_request.patient_id,
                **telehealth_request.contact_details(),
                "phone": display_phone(telehealth_request.phone),
            })
        patient = self.patient_to_book_for(request)
        if patient is not None and telehealth_request is None:
            # Only the record's id travels in the address; its details come from the database.
            initial.update({name: getattr(patient, name) for name in patients.PATIENT_FIELDS}, phone=display_phone(patient.phone))
        return initial

    def patient_to_book_for(self, request):
        """The patient record the visit is for, as far as the form knows it: the one chosen (or named by
        “Book a visit” on the record, or the telehealth request's), else on a form sent back the one the
        details typed would join (the matching rule); None if none."""
        if not request.user.has_perm("appointments.view_patient"):
            return None
        chosen = request.POST.get("patient", "") if request.method == "POST" else request.GET.get(BOOK_FOR_PARAMETER, "")
        if chosen:
            return Patient.objects.filter(pk=chosen).first() if chosen.isascii() and chosen.isdigit() else None
        if request.method == "POST":
            return self.patient_matching_the_form(request)
        telehealth_request = self.telehealth_request_to_schedule(request)
        return telehealth_request.patient if telehealth_request is not None else None

    @staticmethod
    def patient_matching_the_form(request):
        data = request.POST
        try:
            details = {name: " ".join(data.get(name, "").split()) for name in ("first_name", "last_name", "email")}
            details["phone"] = normalise_phone(data.get("phone", ""))
            details["date_of_birth"] = forms.DateField().clean(data.get("date_of_birth", ""))
        except ValidationError:
            return None
        return patients.matching_patient(details) if all(details.values()) else None

    def patient_description(self, request):
        """Who the visit is for, with their no-shows, once a record is chosen or matched."""
        patient = self.patient_to_book_for(request)
        choose = ("Choose the patient's record (find it under Patients, then “Book a visit”, or type its number and "
                  "leave the details below empty: they are taken from the record), or leave it empty: "
                  "the visit joins a record with the same date of birth, first and last name, and email or phone, "
                  "or a new record is made.")
        if patient is None:
            return choose
        if request.method == "POST" and not request.POST.get("patient"):
            return format_html("The details typed match a record, which the visit will join: {}", patient_summary(patient))
        return format_html("{} To book for someone else, change or empty the record.", patient_summary(patient))

    def add_view(self, request, form_url="", extra_context=None):
        if SCHEDULE_PARAMETER in request.GET and self.has_add_permission(request):
            telehealth_request = self.telehealth_request_to_schedule(request)
            if request.method == "GET":
                if telehealth_request is None:
                    self.message_user(
                        request, "That telehealth request already has a visit booked or was closed.", messages.WARNING
                    )
                    return redirect("admin:appointments_telehealthrequest_changelist")
                accessed.send(TelehealthRequest, instance=telehealth_request)  # its details fill the form
            # A request scheduled meanwhile by another desk is a form error on saving (see the form).
            if telehealth_request is not None:
                subtitle = f"Video visit for telehealth request {telehealth_request.reference}"
                extra_context = {**(extra_context or {}), "subtitle": subtitle}
        return super().add_view(request, form_url, extra_context)

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj):
        return date_format(timezone.localtime(obj.starts_at), "D M j, Y, H:i")

    @admin.display(description="visit", ordering="visit_type__name")
    def visit(self, obj):
        return f"{obj.visit_type}, {'by video' if obj.modality == Appointment.Modality.VIDEO else 'in the office'}"

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        if obj.status == Appointment.Status.REQUESTED:
            return format_html("<strong>{}</strong>", obj.get_status_display())
        if obj.checked_in_at is not None and obj.status == Appointment.Status.CONFIRMED:
            return f"Checked in {timezone.localtime(obj.checked_in_at):%H:%M}"
        return obj.get_status_display()

    @admin.display(description="patient record")
    def patient_record(self, obj):
        return patient_summary(obj.patient) if obj.patient_id else "None (booked before patient records)."

    @admin.display(description="video room")
    def room_for_the_visit(self, obj):
        """Where the clinician and the patient meet: the visit's own link, or its room at the practice's video service."""
        if obj.modality != Appointment.Modality.VIDEO:
            return "—"
        link = obj.room_link()
        if not link:
            return "None yet: no video room address is set under Booking settings. Give this visit its own link above."
        note = "" if obj.status == Appointment.Status.CONFIRMED else " (the patient is sent it once the visit is confirmed)"
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>{}', link, link, note)

    @admin.display(description="series")
    def series_visits(self, obj):
        """A visit booked as a series: every visit of it (Eastern time), each a link to its page."""
        if not obj.series_id:
            return "—"
        visits = obj.series.visits.order_by("starts_at")
        return format_html_join(", ", '<a href="{}">{}</a> ({}){}', (
            (visit.get_admin_url(), f"{timezone.localtime(visit.starts_at):%a %b %d, %H:%M}", visit.get_status_display().lower(),
             " (this visit)" if visit.pk == obj.pk else "")
            for visit in visits
        ))

    @admin.display(description="consent wording")
    def consent_wording(self, obj):
        return consent_wording_html(obj.telehealth_consent_version) if obj.telehealth_consent_version else "—"

    @admin.display(description="emails")
    def emails(self, obj):
        rows = obj.messages.order_by("created_at")
        if not rows:
            return "None yet."
        return format_html_join(
            ", ", "{} ({})", ((message.kind, message.get_status_display()) for message in rows)
        )

    def save_changes(self, request, obj, form, change):
        return self.move(request, obj, form) if change else self.book(request, obj, form)

    def book(self, request, obj, form):
        data = form.cleaned_data
        visit = {name: data[name] for name in VISIT_FIELDS}
        # The patient's details as the model cleaned them (e.g. the phone number in +1 format).
        patient, video_link = obj.contact_details(), data.get("video_link", "")
        video = {"patient_state": data.get("patient_state") or None, "telehealth_consent": form.consent_given()}
        telehealth_request = data.get("telehealth_request")
        record = data.get("patient")
        if data.get("repeat_visits", 1) > 1 and telehealth_request is None:
            booked_series = booking.book_series(
                visit_type=data["visit_type"], modality=data["modality"], provider=data["provider"],
                times=series.wanted_times(data["starts_at"], data["repeat_visits"], data.get("repeat_every_weeks") or 1),
                every_weeks=data.get("repeat_every_weeks") or 1, patient=patient, coverage=form.coverage_answer(),
                patient_record=record, by_staff=True, **video,
            )
            self.message_user(request, f"A series of {len(booked_series.visits)} visits is booked: "
                              + ", ".join(visit.reference for visit in booked_series.visits) + ".")
            self.message_user(request, patient_summary(booked_series.visits[0].patient))
            return booked_series.visits[0]
        if telehealth_request is None:
            booked = booking.book_for_staff(
                **visit, patient=patient, video_link=video_link, coverage=form.coverage_answer(), patient_record=record, **video,
            )
        else:
            booked = telehealth.schedule_from_request(
                telehealth_request, **visit, patient=patient, video_link=video_link, coverage=form.coverage_answer(),
                patient_record=record, **video,
            )
            self.message_user(request, f"Telehealth request {telehealth_request.reference} is now scheduled.")
        self.message_user(request, patient_summary(booked.appointment.patient))
        warn_if_no_way_to_join(self, request, booked.appointment)
        return booked.appointment

    def move(self, request, obj, form):
        data, appointment = form.cleaned_data, obj
        if "staff_notes" in form.changed_data:
            appointment = booking.save_staff_notes(appointment, data["staff_notes"])
        if "video_link" in form.changed_data:
            before = Appointment.objects.get(pk=appointment.pk).join_link()  # the form has set the new link on `appointment`
            appointment = booking.change_video_link(appointment, data["video_link"])
            if appointment.join_link() != before and appointment.join_link() and not appointment.is_over(timezone.now()):
                self.message_user(request, "The patient is emailed the new link to join the video visit.")
            warn_if_no_way_to_join(self, request, appointment)
        if form.moves_the_visit():
            appointment = booking.move(appointment, by_patient=False, **{name: data[name] for name in VISIT_FIELDS})
        if form.changes_coverage():
            before = estimates.current_for(appointment)
            appointment = booking.change_coverage(appointment, form.coverage_answer())
            self.tell_what_became_of_the_estimate(request, before, estimates.current_for(appointment))
        return appointment

    def tell_what_became_of_the_estimate(self, request, before, after):
        if after is not None and after != before:
            state = ("was emailed to the patient" if after.status == after.Status.SENT
                     else "waits for you under Good faith estimates")
            self.message_user(request, f"This visit is now self-pay: its good faith estimate {after.reference} {state}.")
        elif before is not None and after is None:
            self.message_user(request, f"This visit is no longer self-pay: its good faith estimate {before.reference} is withdrawn.")

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        scheduled = TelehealthRequest.objects.filter(appointment=obj).first()
        if scheduled is not None and "_save" in request.POST:
            return redirect(scheduled.get_admin_url())  # back to the request, now showing “Scheduled”
        return response

    def _apply(self, request, queryset, change, done):
        """Apply `change` to each chosen appointment; say how many changed, and why the others did not."""
        changed, refusals = booking.apply_to_each(queryset.order_by("starts_at"), change)
        text = f"{changed} appointment{'' if changed == 1 else 's'} {done}."
        if refusals:
            rules = " ".join(dict.fromkeys(refusals))
            text += f" {len(refusals)} left as {'it was' if len(refusals) == 1 else 'they were'}: {rules[0].lower()}{rules[1:]}"
        self.message_user(request, text, messages.WARNING if refusals else messages.SUCCESS)

    @admin.action(description="Confirm selected requests (emails the patient)", permissions=["change"])
    def confirm(self, request, queryset):
        self._apply(request, queryset, booking.confirm, "confirmed")
        for appointment in queryset.filter(modality=Appointment.Modality.VIDEO, status=Appointment.Status.CONFIRMED):
            warn_if_no_way_to_join(self, request, appointment)

    @admin.action(description="Cancel selected appointments (emails the patient)", permissions=["change"])
    def cancel(self, request, queryset):
        self._apply(request, queryset, lambda appointment: booking.cancel(appointment, by_patient=False), "cancelled")

    @admin.action(description="Mark selected as completed (the patient came)", permissions=["change"])
    def mark_completed(self, request, queryset):
        outcome = Appointment.Status.COMPLETED
        self._apply(request, queryset, lambda appointment: booking.record_outcome(appointment, outcome), "marked completed")

    @admin.action(description="Email the patient a new link to their booking (older links stop working)", permissions=["change"])
    def send_new_manage_link(self, request, queryset):
        self._apply(request, queryset, booking.send_new_manage_link, "sent a new link")

    @admin.action(description="Mark selected as no-show (the patient did not come)", permissions=["change"])
    def mark_no_show(self, request, queryset):
        outcome = Appointment.Status.NO_SHOW
        self._apply(request, queryset, lambda appointment: booking.record_outcome(appointment, outcome), "marked no-show")

    def get_urls(self):
        day_view = self.admin_site.admin_view(self.day_schedule_view)
        calendar_page = self.admin_site.admin_view(partial(calendar_view, self))
        return [
            path("day/", day_view, name="appointments_appointment_day"),
            path("calendar/", calendar_page, name="appointments_appointment_calendar"),
            *super().get_urls(),
        ]

    def day_schedule_view(self, request):
        """One day's active appointments per provider, in time order, for printing."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DayScheduleForm(request.GET or None)
        day, provider = timezone.localdate(), None
        if form.is_valid():
            day = form.cleaned_data["date"] or day
            provider = form.cleaned_data["provider"]
        starts, ends = day_window(day)
        appointments = (
            Appointment.objects.active()
            .filter(starts_at__gte=starts, starts_at__lt=ends)
            .select_related("provider", "visit_type")
            .order_by("provider__order", "provider__name", "provider_id", "starts_at")
        )
        if provider is not None:
            appointments = appointments.filter(provider=provider)
        appointments = clinicians.appointments_seen_by(request.user, appointments)
        for appointment in appointments:
            appointment.phone_display = display_phone(appointment.phone)
        # The address's date and provider are in the page's name: only the path is kept (appointments.audit).
        shown = f"Day schedule, {day:%Y-%m-%d}" + (f", {provider}" if provider is not None else "")
        record_list_view(request, shown, appointments=appointments)
        schedules = [(who, list(rows)) for who, rows in groupby(appointments, key=lambda a: a.provider)]
        if provider is not None and not schedules:
            schedules = [(provider, [])]
        provider_query = f"provider={provider.pk}&" if provider else ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Day schedule, {date_format(day, 'l, F j, Y')}",
            "form": form,
            "day": day,
            "provider": provider,
            "schedules": schedules,
            "previous_query": f"?{provider_query}date={day - timedelta(days=1):%Y-%m-%d}",
            "next_query": f"?{provider_query}date={day + timedelta(days=1):%Y-%m-%d}",
        }
        return TemplateResponse(request, "admin/appointments/appointment/day_schedule.html", context)


"""Patient records in the admin, for the front desk: the list (found as they type), each patient's
history, correcting their details, merging duplicates, and booking a visit for them.
Every change goes through `appointments.patients`."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.db.models import Case, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from appointments import clinicians, patients, search
from appointments.admin.patient_record import PatientRecordAdmin
from appointments.admin.audit_trail import patient_audit_trail_url
from appointments.models import Appointment, BookingSettings, Patient
from clinic.phone import display_phone

DETAILS = list(patients.PATIENT_FIELDS)
# The booking form's parameter naming the patient to book for (an id only, never a detail).
BOOK_FOR_PARAMETER = "patient"


def book_for_url(patient: Patient) -> str:
    return f"{reverse('admin:appointments_appointment_add')}?{urlencode({BOOK_FOR_PARAMETER: patient.pk})}"


def no_shows_text(count: int) -> str:
    return f"{count} no-show{'' if count == 1 else 's'}"


def patient_summary(patient: Patient, *, link: bool = True):
    """One line about a patient where the front desk books: who, their visits, and their no-shows,
    the count in bold when there are any (never shown by colour alone)."""
    history = patients.history_of(patient)
    no_shows = no_shows_text(history.no_shows)
    label = patient.name_and_birthday()
    name = format_html('<a href="{}">{}</a>', patient.get_admin_url(), label) if link else label
    return format_html(
        "Patient record: {}. {} visit{}, {}, {} late cancellation{}.",
        name, history.visit_count, "" if history.visit_count == 1 else "s",
        format_html("<strong>{}</strong>", no_shows) if history.no_shows else no_shows,
        history.late_cancellations, "" if history.late_cancellations == 1 else "s",
    )


class PatientForm(forms.ModelForm):
    """The record's details, the phone as staff read it out: (301) 555-0142."""

    class Meta:
        model = Patient
        fields = DETAILS
        help_texts = {
            "first_name": "As the patient spells it.",
            "last_name": "As the patient spells it.",
            "date_of_birth": "Tells apart patients with the same name.",
            "phone": "Mobile number with area code, e.g. (301) 555-0142.",
            "email": "Emails about visits still to come go here once saved.",
            "book_a_visit": "Opens the booking form with this patient's details filled in.",
            "summary": "A late cancellation is one inside the cancellation cut-off of the booking settings.",
            "visit_history": "Every visit, latest first. Open one to confirm, move or cancel it.",
            "request_history": "Requests to be called back about a video visit.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "phone" in self.fields:
            self.initial["phone"] = display_phone(self.instance.phone)


@admin.register(Patient)
class PatientAdmin(PatientRecordAdmin):
    form = PatientForm
    list_display = ["patient_name", "born", "phone_number", "visits", "no_shows"]
    list_display_links = ["patient_name"]
    search_fields = ["last_name"]  # shows the search box; the search itself is `appointments.search`
    search_help_text = (
        "Search by first or last name (accents optional), any part of the phone number, date of birth "
        "(e.g. 03/27/1958 or 1958-03-27), the reference of a visit or request, or email."
    )
    actions = ["merge_patients"]
    audited_list_page, audited_list_rows = "Patient list", "patients"
    list_per_page = 50
    # Counting every patient (for "N total") on each search costs more than the search itself at scale.
    show_full_result_count = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        patient = self.get_object(request, object_id)
        if patient is not None:
            extra_context = {
                **(extra_context or {}), "subtitle": patient.name_and_birthday(), "book_url": book_for_url(patient),
                "audit_trail_url": patient_audit_trail_url(patient.pk) if request.user.is_superuser else "",
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        # A clinician sees the records of their own patients only (appointments.clinicians).
        return patients.with_counts(clinicians.patients_seen_by(request.user, super().get_queryset(request)))

    def get_search_results(self, request, queryset, search_term):
        return search.search_patients(queryset, search_term), False

    def get_fieldsets(self, request, obj=None):
        details = ("Details", {"fields": DETAILS, "description": (
            "Correct a detail here and save: the patient's visits still to come and open telehealth requests get it "
            "too, so the next email goes to the corrected address. Past visits keep the details they were booked with."
        ) if obj else "A new patient record, e.g. before booking a first visit by phone."})
        if obj is None:
            return [details]
        return [details, ("History", {"fields": ["book_a_visit", "summary", "visit_history", "request_history"]})]

    def get_readonly_fields(self, request, obj=None):
        return ["book_a_visit", "summary", "visit_history", "request_history"] if obj else []

    def save_changes(self, request, obj, form, change):
        if not change:
            return patients.create_patient({name: getattr(obj, name) for name in DETAILS})
        details = {name: getattr(obj, name) for name in DETAILS if name in form.changed_data}
        changed = patients.correct_contact(obj, details)
        if changed:
            self.message_user(request, f"Corrected: {', '.join(Patient._meta.get_field(n).verbose_name for n in changed)}. "
                              "Visits still to come and open telehealth requests have the new details."
                              + (" Each visit to come was emailed a new link to manage it, at the new address; the old "
                                 "links stop working." if "email" in changed else ""))
        return obj

    @admin.display(description="date of birth", ordering="date_of_birth")
    def born(self, obj):
        return date_format(obj.date_of_birth, "m/d/Y")

    @admin.display(description="visits", ordering="visit_count")
    def visits(self, obj):
        return obj.visit_count

    @admin.display(description="no-shows", ordering="no_show_count")
    def no_shows(self, obj):
        return format_html("<strong>{}</strong>", obj.no_show_count) if obj.no_show_count else 0

    @admin.display(description="book")
    def book_a_visit(self, obj):
        return format_html('<a href="{}">Book a visit for this patient</a>', book_for_url(obj))

    @admin.display(description="in short")
    def summary(self, obj):
        return patient_summary(obj, link=False)

    @admin.display(description="visits")
    def visit_history(self, obj):
        history = patients.history_of(obj)
        if not history.visits:
            return "None yet."
        cutoff = BookingSettings.load().cancellation_cutoff
        rows = []
        for visit in history.visits:
            status = visit.get_status_display()
            if patients.is_late_cancellation(visit, cutoff):
                status = f"{status} (late: inside the cancellation cut-off)"
            rows.append((
                date_format(timezone.localtime(visit.starts_at), "D m/d/Y H:i"), visit.get_admin_url(), visit.reference,
                visit.visit_type, visit.provider, status,
            ))
        return format_html(
            '<table><caption>{} visit{}</caption><thead><tr><th scope="col">When</th><th scope="col">Reference</th>'
            '<th scope="col">Visit</th><th scope="col">Provider</th><th scope="col">Status</th></tr></thead><tbody>{}</tbody></table>',
            len(rows), "" if len(rows) == 1 else "s",
            format_html_join("", '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows),
        )

    @admin.display(description="telehealth requests")
    def request_history(self, obj):
        requests = list(obj.telehealth_requests.order_by("-created_at"))
        if not requests:
            return "None."
        rows = [
            (date_format(timezone.localtime(row.created_at), "m/d/Y"), row.get_admin_url(), row.reference, row.get_status_display())
            for row in requests
        ]
        return format_html(
            '<table><thead><tr><th scope="col">Asked</th><th scope="col">Reference</th><th scope="col">Status</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            format_html_join("", '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td></tr>', rows),
        )

    @admin.action(description="Merge selected patients into one…", permissions=["change"])
    def merge_patients(self, request, queryset):
        """Two or more records of one person: staff choose the one to keep; the others' visits and
        requests move to it and the others are deleted, all in one transaction."""
        chosen = list(queryset)
        if len(chosen) < 2:
            self.message_user(request, "Select two or more records of the same patient to merge them.", messages.WARNING)
            return None
        keep_id = request.POST.get("keep", "")
        keep = next((patient for patient in chosen if str(patient.pk) == keep_id), None)
        if "post" in request.POST and keep is not None:
            merged = []
            for duplicate in chosen:
                if duplicate.pk == keep.pk:
                    continue
                try:
                    patients.merge(keep, duplicate)
                except patients.MergeRefused as refusal:
                    self.message_user(request, str(refusal), messages.ERROR)
                    return None
                merged.append(str(duplicate.pk))
            # The audit trail has each move and deletion; the record's own history says what happened.
            self.log_change(request, keep, f"Merged record{'' if len(merged) == 1 else 's'} {', '.join(merged)} into this one.")
            self.message_user(request, f"Merged {len(merged)} {model_ngettext(self.opts, len(merged))} into {keep.name_and_birthday()}.")
            return None
        ordered = self.get_queryset(request).filter(pk__in=[patient.pk for patient in chosen]).order_by(
            Case(When(pk=chosen[0].pk, then=0), default=1), "pk",
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Merge patient records",
            "patients": [(patient, patients.history_of(patient)) for patient in ordered],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "missing_choice": "post" in request.POST,
            "visit_statuses": Appointment.Status,
        }
        return TemplateResponse(request, "admin/appointments/patient/merge.html", context)

"""Visits' intake in the admin: the list (where each stands, never an answer), and each visit's
one-page summary for the chart, with the clinician's review buttons.

Who reads what (the minimum-necessary rule of HIPAA, 45 CFR 164.502(b) and 164.514(d): each role
sees the health information its work needs, no more):
- clinicians (view_intake_answers) read every section, flagged answers first, of their own
  patients only (appointments.clinicians), and review (review_intake);
- the front desk (view_intake_registration) registers and bills: they read where the intake
  stands, the registration sections (contacts, doctors, insurance: SectionForm.clinical False)
  and the consent signatures, never a clinical answer;
- content editors: nothing.
Every showing of a summary is audited (django-auditlog's access entry, in the patient's audit
trail); every showing of the list too (`record_list_view`). Changes go through `appointments.intake`.
"""

from auditlog.signals import accessed
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache

from appointments import clinicians, consent, intake as intakes, intake_summary
from appointments.audit import record_list_view
from appointments.forms.intake import detail_in_forms
from appointments.models import ConsentSignature, Intake
from clinic import encryption
from clinic.admin import FilterWithDefault
from clinic.hours import PRACTICE_TIME_ZONE, day_window

REVIEW_BUTTONS = [
    (Intake.Review.OK, "Reviewed: OK to proceed", "the visit goes ahead as booked; nobody is emailed"),
    (Intake.Review.CALL, "Call the patient", "the front desk is emailed to call the patient before the visit (the reference only)"),
]


def may_read_clinical(user) -> bool:
    return user.has_perm("appointments.view_intake_answers")


def may_read_registration(user) -> bool:
    return may_read_clinical(user) or user.has_perm("appointments.view_intake_registration")


def visit_time(appointment) -> str:
    return date_format(timezone.localtime(appointment.starts_at, PRACTICE_TIME_ZONE), "D M j, Y, H:i")


class IntakeStatusFilter(admin.SimpleListFilter):
    title = "intake status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("needs_review", "Needs clinician review"), ("call", "Reviewed: call the patient"), ("ok", "Reviewed: OK to proceed"),
            ("complete", "Complete"), ("in_progress", "In progress"), ("not_started", "Not started"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in (Intake.Review.NEEDS_REVIEW, Intake.Review.CALL, Intake.Review.OK):
            return queryset.filter(review=value)
        if value == "complete":
            return queryset.filter(review="", completed_at__isnull=False)
        if value == "in_progress":
            return queryset.filter(review="", completed_at__isnull=True).exclude(sections_done=[])
        if value == "not_started":
            return queryset.filter(sections_done=[])
        return queryset


class VisitWhenFilter(FilterWithDefault):
    """Visits from today on unless asked otherwise (a search looks at all dates)."""

    title = "visit"
    parameter_name = "when"
    default = "upcoming"

    def lookups(self, request, model_admin):
        return [("upcoming", "Today and later"), ("past", "Past"), ("all", "All dates")]

    def queryset(self, request, queryset):
        today_starts, _ = day_window(timezone.localdate())
        if self.value() == "upcoming":
            return queryset.filter(appointment__starts_at__gte=today_starts)
        if self.value() == "past":
            return queryset.filter(appointment__starts_at__lt=today_starts)
        return queryset


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    # Where each intake stands: never an answer on a list page.
    list_display = ["reference", "visit_when", "provider", "kind", "status", "flagged_count"]
    list_display_links = ["reference"]
    list_filter = [IntakeStatusFilter, VisitWhenFilter]
    list_select_related = ["appointment__provider", "appointment__visit_type"]
    search_fields = ["=appointment__reference"]
    search_help_text = "Search by the visit's reference, e.g. K7QM2X."
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("appointment__provider", "appointment__visit_type")
        return clinicians.intakes_seen_by(request.user, queryset)

    def get_ordering(self, request):
        # Visits that need a clinician come first, then by the visit's time.
        needs_review_first = Case(When(review=Intake.Review.NEEDS_REVIEW, then=Value(0)), default=Value(1), output_field=IntegerField())
        return [needs_review_first.asc(), "appointment__starts_at", "pk"]

    # Intakes are made by patients and changed only by appointments.intake: nobody adds,
    # edits or deletes one by hand (the answers are purged by the daily command).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="visit", ordering="appointment__reference")
    def reference(self, obj):
        return obj.appointment.reference

    @admin.display(description="when", ordering="appointment__starts_at")
    def visit_when(self, obj):
        return visit_time(obj.appointment)

    @admin.display(description="provider", ordering="appointment__provider__name")
    def provider(self, obj):
        return obj.appointment.provider

    @admin.display(description="status")
    def status(self, obj):
        return intakes.status_text(obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The list names visits (references): the audit trail records who saw which.
            page = "Intake list" + (", search results" if changelist.query else "")
            if changelist.page_num > 1:
                page += f", page {changelist.page_num}"
            record_list_view(request, page, appointments=[row.appointment for row in changelist.result_list])
        return response

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [path("<str:object_id>/review/", review, name="appointments_intake_review"), *super().get_urls()]

    def intake_or_404(self, request, object_id) -> Intake:
        """The intake, if this user may see it: another provider's is “not found” to a clinician."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not (str(object_id).isascii() and str(object_id).isdigit() and len(str(object_id)) < 12):
            raise Http404("No intake with that number.")
        found = self.get_queryset(request).filter(pk=object_id).first()
        if found is None:
            raise Http404("No intake with that number.")
        return found

    @method_decorator(never_cache)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The one-page summary for the chart (print-ready), audited at every showing."""
        intake = self.intake_or_404(request, object_id)
        accessed.send(Intake, instance=intake)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Intake for visit {intake.appointment.reference}",
            "original": intake,
            **summary_context(request, intake),
        }
        return TemplateResponse(request, "admin/appointments/intake/summary.html", context)

    def review_view(self, request, object_id):
        intake = self.intake_or_404(request, object_id)
        summary = reverse("admin:appointments_intake_change", args=[intake.pk])
        if request.method != "POST":
            return redirect(summary)
        if not request.user.has_perm("appointments.review_intake"):
            raise PermissionDenied
        try:
            reviewed = intakes.record_review(intake, request.POST.get("decision", ""), request.user)
        except intakes.IntakeRefused as refusal:
            self.message_user(request, refusal.message, messages.WARNING)
        else:
            said = f"Visit {reviewed.reference} marked “{reviewed.get_review_display()}”"
            if reviewed.review == Intake.Review.CALL:
                said += ". The front desk is emailed to call the patient"
            self.message_user(request, f"{said}.", messages.SUCCESS)
        return redirect(summary)


def summary_context(request, intake: Intake) -> dict:
    """What the summary shows this reader: the visit, where the intake stands, the answers they
    may read (flagged ones first), the consent signatures and the review."""
    user = request.user
    appointment = intake.appointment
    clinical, registration = may_read_clinical(user), may_read_registration(user)
    sections = intakes.sections_for(appointment, intake)
    answers, unreadable = {}, False
    if registration and intake.answers_purged_at is None:
        try:
            answers = intakes.answers_of(intake)
        except encryption.CannotOpen:
            unreadable = True  # sealed with a key this server does not have: said on the page, never a server error
    shown = [section for section in intake_summary.sections_of(answers) if clinical or not section.clinical]
    flagged = [
        (question, dict(question.Answer.choices).get(answer, answer), detail_in_forms(question.key, answers) if question.key else "")
        for question, answer in (intakes.flagged_answers(appointment, answers) if clinical else [])
    ]
    may_review = (
        user.has_perm("appointments.review_intake") and intake.answers_purged_at is None and bool(intake.sections_done)
    )
    return {
        "intake": intake,
        "appointment": appointment,
        "visit_time": visit_time(appointment),
        "status": intakes.status_text(intake, len(sections)),
        "unreadable": unreadable,
        "reviewer": reviewer_name(intake),
        "reads_clinical": clinical,
        "reads_registration": registration,
        "flagged": flagged,
        "sections": shown,
        "signatures": [signature_summary(signature) for signature in intake.signatures.select_related("treatment_consent__service")],
        "review_buttons": REVIEW_BUTTONS if may_review else [],
        "review_url": reverse("admin:appointments_intake_review", args=[intake.pk]),
        "appointment_url": (reverse("admin:appointments_appointment_change", args=[appointment.pk])
                            if user.has_perm("appointments.view_appointment") else ""),
    }


def reviewer_name(intake: Intake) -> str:
    """Who last reviewed the forms, by name when staff have one."""
    if intake.reviewed_by is None:
        return "a staff member no longer listed" if intake.reviewed_at else ""
    return intake.reviewed_by.get_full_name() or intake.reviewed_by.get_username()


def signature_summary(signature: ConsentSignature) -> dict:
    if signature.kind == ConsentSignature.Kind.TREATMENT:
        signed = signature.treatment_consent
        title, version, paragraphs = f"Consent to {signed.service.title.lower()}", str(signed.version), signed.paragraphs
    else:
        title, version = "Consent to a video visit (telehealth)", signature.telehealth_version
        paragraphs = consent.wording(version)
    return {
        "title": title, "version": version, "signed_name": signature.signed_name,
        "signed_at": date_format(timezone.localtime(signature.signed_at, PRACTICE_TIME_ZONE), "D M j, Y, H:i"),
        "paragraphs": paragraphs,
    }

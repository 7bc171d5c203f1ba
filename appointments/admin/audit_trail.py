"""The audit trail of list pages, and the audit trail of one patient: superusers only.

*List pages viewed* shows each showing of a page that listed patients (who, when, which page,
how many rows; the rows on its own page). *Audit trail for this patient* gathers, newest
first, every django-auditlog entry of the patient's record, appointments, telehealth
requests, good faith estimates, their visits' intakes (each summary shown) and the requests
for help that name one of their visits,
and every list page that showed any of them. Neither page shows a patient's details: only
references and record numbers, so reading the trail is not itself a look at the record."""

from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from appointments.models import (
    Appointment,
    GoodFaithEstimate,
    HelpRequest,
    Intake,
    Patient,
    PatientListView,
    PatientListViewRow,
    TelehealthRequest,
)

# The trail of one patient shows this many of each kind of entry, the latest first.
TRAIL_LIMIT = 500
# django-auditlog's actions, as the trail says them.
DONE = {LogEntry.Action.CREATE: "created", LogEntry.Action.UPDATE: "changed", LogEntry.Action.DELETE: "deleted",
        LogEntry.Action.ACCESS: "opened"}


def patient_audit_trail_url(patient_id: int) -> str:
    """The superuser's audit trail of one patient record (only its number in the address)."""
    return reverse("admin:appointments_patient_audit_trail", args=[patient_id])


@dataclass
class TrailEntry:
    when: datetime
    who: str
    what: str
    record: str
    link: str


@admin.register(PatientListView)
class PatientListViewAdmin(admin.ModelAdmin):
    # The address is on each entry's page: the list fits 1280 px with the count and where from.
    list_display = ["viewed_at", "username", "page", "rows_count", "remote_addr"]
    # The trail grows by a row per list shown: filters that need no scan of the whole table
    # (no date bar, no list of page names, no exact count).
    list_filter = ["viewed_at", "user"]
    show_full_result_count = False
    fields = ["viewed_at", "username", "page", "path", "remote_addr", "rows_shown"]
    readonly_fields = fields

    # The audit trail is the superusers', as django-auditlog's is; nobody writes or removes it by hand.
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Counted for the entries on the page only (a subquery per entry, not a grouping of the whole table).
        counted = PatientListViewRow.objects.filter(view=OuterRef("pk")).values("view").annotate(total=Count("*")).values("total")
        return super().get_queryset(request).annotate(rows_total=Subquery(counted))

    @admin.display(description="rows shown")
    def rows_count(self, obj):
        return obj.rows_total or 0

    @admin.display(description="rows shown")
    def rows_shown(self, obj):
        """Each row as its reference and patient record number, with a link to that patient's trail."""
        rows = list(obj.rows.all())
        references = {
            kind: dict(model.objects.filter(pk__in=[getattr(row, f"{kind}_id") for row in rows]).values_list("pk", "reference"))
            for kind, model in [("appointment", Appointment), ("telehealth_request", TelehealthRequest),
                                ("estimate", GoodFaithEstimate), ("help_request", HelpRequest)]
        }
        if not rows:
            return "None (the page listed nobody)."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((describe_row(row, references),) for row in rows)))

    def get_urls(self):
        trail = self.admin_site.admin_view(self.patient_audit_trail_view)
        return [path("patient/<int:patient_id>/", trail, name="appointments_patient_audit_trail"), *super().get_urls()]

    def patient_audit_trail_view(self, request, patient_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        patient = Patient.objects.filter(pk=patient_id).first()
        if patient is None:
            raise Http404("No patient record with that number.")
        entries, cut = patient_trail(patient)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Audit trail for patient record {patient.pk}",
            "patient": patient,
            "entries": entries,
            "cut": cut,
            "limit": TRAIL_LIMIT,
        }
        return TemplateResponse(request, "admin/appointments/patientlistview/patient_audit_trail.html", context)


def describe_row(row, references):
    parts = []
    for kind, label in [("appointment", "appointment"), ("telehealth_request", "telehealth request"),
                        ("estimate", "estimate"), ("help_request", "help request")]:
        pk = getattr(row, f"{kind}_id")
        if pk is not None and (kind != "appointment" or not row.telehealth_request_id and not row.estimate_id):
            parts.append(format_html("{} {}", label, references[kind].get(pk, f"#{pk} (deleted)")))
    if row.patient_id is None:
        parts.append(format_html("{}", "no patient record linked"))
    else:
        parts.append(format_html('<a href="{}">patient record {}</a>', patient_audit_trail_url(row.patient_id), row.patient_id))
    return format_html_join(", ", "{}", ((part,) for part in parts))


def patient_trail(patient) -> tuple[list[TrailEntry], bool]:
    """Everything the audit trail holds about one patient record, newest first, and whether it was cut at TRAIL_LIMIT.

    A list page counts when one of its rows was this patient's record, or one of their
    appointments, telehealth requests, estimates or help requests (rows recorded before the
    record was linked name only those)."""
    appointments = dict(Appointment.objects.filter(patient=patient).values_list("pk", "reference"))
    requests = list(TelehealthRequest.objects.filter(patient=patient).values_list("pk", flat=True))
    estimates = list(GoodFaithEstimate.objects.filter(appointment__patient=patient).values_list("pk", flat=True))
    # A request for help is linkable when it quotes one of the patient's visit references.
    help_requests = list(HelpRequest.objects.filter(visit_reference__in=list(appointments.values())).values_list("pk", flat=True))
    # Their visits' intakes: each showing of an intake summary is an access entry of the intake.
    intakes = list(Intake.objects.filter(appointment__patient=patient).values_list("pk", flat=True))

    types = ContentType.objects.get_for_models(Patient, Appointment, TelehealthRequest, GoodFaithEstimate, HelpRequest, Intake)
    ids_of = {Patient: [patient.pk], Appointment: list(appointments), TelehealthRequest: requests,
              GoodFaithEstimate: estimates, HelpRequest: help_requests, Intake: intakes}
    about_them = Q(pk__in=[])
    for model, ids in ids_of.items():
        if ids:
            about_them |= Q(content_type=types[model], object_pk__in=[str(pk) for pk in ids])
    log_entries = list(
        LogEntry.objects.filter(about_them).select_related("actor", "content_type").order_by("-timestamp")[:TRAIL_LIMIT]
    )

    shown_them = Q(patient_id=patient.pk) | Q(appointment_id__in=list(appointments)) | Q(telehealth_request_id__in=requests)
    shown_them |= Q(estimate_id__in=estimates) | Q(help_request_id__in=help_requests)
    list_views = list(
        PatientListView.objects.filter(pk__in=PatientListViewRow.objects.filter(shown_them).values("view_id"))
        .order_by("-viewed_at", "-pk")[:TRAIL_LIMIT]
    )

    entries = [
        TrailEntry(
            when=entry.timestamp,
            who=entry.actor.get_username() if entry.actor else "(no staff member: online or automatic)",
            what=DONE.get(entry.action, entry.get_action_display()),
            record=(f"patient record {entry.object_pk}" if entry.content_type_id == types[Patient].pk
                    else f"{entry.content_type.name}: {entry.object_repr}"),
            link=reverse("admin:auditlog_logentry_change", args=[entry.pk]),
        )
        for entry in log_entries
    ] + [
        TrailEntry(when=view.viewed_at, who=view.username, what="listed", record=f"{view.page} ({view.path})",
                   link=reverse("admin:appointments_patientlistview_change", args=[view.pk]))
        for view in list_views
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries, len(log_entries) == TRAIL_LIMIT or len(list_views) == TRAIL_LIMIT

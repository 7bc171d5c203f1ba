from datetime import timedelta
from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from auditlog.signals import accessed

from appointments import notifications
from appointments.staff_booking import (
    cancel_by_staff,
    confirm_appointment,
    local_day_window,
    status_setter,
    why_staff_cannot_book,
)
from appointments.models import Appointment, TelehealthRequest
from clinic.admin import FRIENDLY_FIELDS
from clinic.models import Provider
from clinic.phone import display_phone, normalise_phone

PATIENT_FIELDS = [
    "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason", "consent_to_contact",
]
VISIT_FIELDS = ["provider", "visit_type", "modality", "starts_at"]
OLDEST_PATIENT_YEARS = 120
# A telehealth request still waiting for a visit to be booked (see telehealth_admin.py).
OPEN_TELEHEALTH_STATUSES = [TelehealthRequest.Status.NEW, TelehealthRequest.Status.CONTACTED]
SCHEDULE_PARAMETER = "telehealth_request"


class TimeTakenMeanwhile(Exception):
    """The database refused a staff booking that passed the form's check: someone else took the time in between."""


class RequestScheduledMeanwhile(Exception):
    """Another desk booked a visit for the same telehealth request while this booking was being filled in."""


def open_telehealth_requests():
    return TelehealthRequest.objects.filter(status__in=OPEN_TELEHEALTH_STATUSES)


class AppointmentForm(forms.ModelForm):
    """Staff booking (add) and moving a visit (change): the same rules either way."""

    # Set when the front desk books from a telehealth request ("Schedule"): saving links the two.
    telehealth_request = forms.ModelChoiceField(
        TelehealthRequest.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        help_text="The telehealth request this visit answers.",
        error_messages={
            "invalid_choice": "This telehealth request already has a visit booked or was closed. "
            "Open the request to see what happened; nothing was saved."
        },
    )

    class Meta:
        model = Appointment
        fields = VISIT_FIELDS + PATIENT_FIELDS
        help_texts = {
            "provider": "Who sees the patient. They must offer this visit and be working at that time.",
            "visit_type": "What the visit is for. Its length comes from the visit type.",
            "modality": "In the office, or a video visit (only with providers who see patients by video).",
            "starts_at": "Date and start time, Eastern time. The office must be open and the provider free for the "
            "whole visit. Unlike online booking, any time from now on is allowed.",
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
            "status": "Change it with the actions on the appointment list, so the patient gets the right email.",
            "source": "Whether the patient booked online or staff booked it.",
            "ends_at": "Worked out from the start and the length of the visit type.",
            "emails": "Emails about this visit and whether they have gone out (details in the outbox).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "provider" in self.fields:
            current = self.instance.provider_id if self.instance.pk else None
            self.fields["provider"].queryset = Provider.objects.filter(is_active=True) | Provider.objects.filter(pk=current)
        if "telehealth_request" in self.fields:
            self.fields["telehealth_request"].queryset = open_telehealth_requests()

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born >= today or born.year < today.year - OLDEST_PATIENT_YEARS:
            raise ValidationError("Enter the patient's date of birth, e.g. 1958-04-23.")
        return born

    def clean(self):
        cleaned_data = super().clean()
        if "telehealth_request" in self.errors:
            # The field is hidden, so its error would not show: say it at the top of the form.
            self.add_error(None, self.errors.pop("telehealth_request"))
        if not set(VISIT_FIELDS) <= set(self.fields) or any(name in self.errors for name in VISIT_FIELDS):
            return cleaned_data  # a visit that can no longer move, or a field error shown already
        if self.instance.pk and not set(VISIT_FIELDS) & set(self.changed_data):
            return cleaned_data
        provider, visit_type, modality = (cleaned_data[name] for name in ("provider", "visit_type", "modality"))
        if not visit_type.allows(modality):
            self.add_error("modality", f"“{visit_type}” is not offered this way. Choose the other place.")
        elif not visit_type.providers.filter(pk=provider.pk).exists():
            self.add_error("provider", f"{provider} does not offer “{visit_type}”. Choose another provider or visit.")
        elif modality == Appointment.Modality.VIDEO and not provider.offers_telehealth:
            self.add_error("provider", f"{provider} does not see patients by video.")
        else:
            problem = why_staff_cannot_book(provider, visit_type, cleaned_data["starts_at"], self.instance.pk)
            if problem:
                self.add_error("starts_at", problem)
        return cleaned_data


class WhenFilter(admin.SimpleListFilter):
    """Today and later unless asked otherwise; a search or a date picked in the date bar looks at all dates."""

    title = "when"
    parameter_name = "when"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.looking_everywhere = bool(request.GET.get(SEARCH_VAR)) or any(key.startswith("starts_at__") for key in request.GET)

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("upcoming", "Today and later"), ("past", "Past"), ("all", "All dates")]

    def value(self):
        return super().value() or ("all" if self.looking_everywhere else "upcoming")

    def queryset(self, request, queryset):
        today_starts, today_ends = local_day_window(timezone.localdate())
        if self.value() == "today":
            return queryset.filter(starts_at__gte=today_starts, starts_at__lt=today_ends)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=today_starts)
        if self.value() == "past":
            return queryset.filter(starts_at__lt=today_starts)
        return queryset

    def choices(self, changelist):
        # No "All" entry of Django's: "All dates" is a choice of its own, since no choice means "Today and later".
        for choice in super().choices(changelist):
            if choice["query_string"] != changelist.get_query_string(remove=[self.parameter_name]):
                yield choice


class DayScheduleForm(forms.Form):
    provider = forms.ModelChoiceField(Provider.objects.all(), required=False, empty_label="Everyone")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    form = AppointmentForm
    list_display = ["reference", "when", "provider", "visit_type", "modality", "status_display", "last_name"]
    list_filter = [WhenFilter, "status", "provider", "visit_type", "modality"]
    list_select_related = ["provider", "visit_type"]
    search_fields = ["=reference", "last_name", "email", "phone"]
    search_help_text = "Search by reference, last name, email or phone number."
    date_hierarchy = "starts_at"
    actions = ["confirm", "cancel", "mark_completed", "mark_no_show"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                ("Visit", {"fields": [*VISIT_FIELDS, "video_link"], "description": "The patient gets an email with the time, a calendar "
                           "file and a link to cancel or change online. Staff bookings are confirmed at once."}),
                ("Patient", {"fields": [*PATIENT_FIELDS, "telehealth_request"]}),
            ]
        patient = [name if name != "phone" else "phone_number" for name in PATIENT_FIELDS]
        visit_description = (
            "To move the visit, change the provider, place or time and save: the patient is emailed the new details. "
            "To confirm or cancel, or to record that the patient came or did not, use the actions on the appointment list."
        )
        return [
            (None, {"fields": ["reference", "status", "source"]}),
            ("Visit", {"fields": VISIT_FIELDS + ["ends_at", "video_link"], "description": visit_description}),
            ("Patient", {"fields": patient, "description": "As the patient gave it. Staff cannot change it here; "
                         "if something is wrong, note it in the patient's chart."}),
            ("Emails", {"fields": ["emails"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["reference", "status", "source", "ends_at", "phone_number", "emails", *PATIENT_FIELDS]
        if not obj.is_active or obj.ends_at <= timezone.now():
            fixed += VISIT_FIELDS
        return fixed

    def has_delete_permission(self, request, obj=None):
        # Cancel instead: the patient is told, and the history stays.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_ordering(self, request):
        return ["starts_at"] if request.GET.get("when", "upcoming") in ("today", "upcoming") else ["-starts_at"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalise_phone(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    def telehealth_request_to_schedule(self, request):
        """The open telehealth request named in the address (“Schedule” on the request), or None."""
        pk = request.GET.get(SCHEDULE_PARAMETER, "")
        if not pk.isdigit() or not request.user.has_perm("appointments.view_telehealthrequest"):
            return None
        return open_telehealth_requests().filter(pk=pk).first()

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        telehealth_request = self.telehealth_request_to_schedule(request)
        if telehealth_request is not None:
            # Only the request's id travels in the address; the patient's details come from the database.
            initial.update({
                "modality": Appointment.Modality.VIDEO,
                "telehealth_request": telehealth_request.pk,
                **{name: getattr(telehealth_request, name) for name in PATIENT_FIELDS},
                "phone": display_phone(telehealth_request.phone),
            })
        return initial

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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The audit trail records every time staff open a patient's record (appointments/audit.py).
            accessed.send(type(obj), instance=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj):
        return date_format(timezone.localtime(obj.starts_at), "D M j, Y, H:i")

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        if obj.status == Appointment.Status.REQUESTED:
            return format_html("<strong>{}</strong>", obj.get_status_display())
        return obj.get_status_display()

    @admin.display(description="mobile phone")
    def phone_number(self, obj):
        return display_phone(obj.phone)

    @admin.display(description="emails")
    def emails(self, obj):
        rows = obj.messages.order_by("created_at")
        if not rows:
            return "None yet."
        return format_html_join(
            ", ", "{} ({})", ((message.kind, message.get_status_display()) for message in rows)
        )

    def save_model(self, request, obj, form, change):
        moved = change and bool(set(VISIT_FIELDS) & set(form.changed_data))
        if not change or moved:
            obj.ends_at = obj.starts_at + obj.visit_type.duration
        if not change:
            obj.source = Appointment.Source.STAFF
            obj.status = Appointment.Status.CONFIRMED
            token = obj.issue_manage_token()
        elif moved:
            obj.reminder_sent_at = None
        try:
            with transaction.atomic():
                if change:
                    obj.save(update_fields=[*VISIT_FIELDS, "ends_at", "video_link", "reminder_sent_at", "updated_at"])
                else:
                    obj.save()
                    if form.cleaned_data.get("telehealth_request"):
                        self.link_telehealth_request(request, form.cleaned_data["telehealth_request"].pk, obj)
        except IntegrityError:
            raise TimeTakenMeanwhile from None
        if not change:
            notifications.queue_booking_received(obj, token)
        elif moved:
            notifications.queue_rescheduled(obj, by_patient=False)

    def link_telehealth_request(self, request, telehealth_request_id, appointment):
        """Mark the request scheduled with this visit, in the booking's transaction.

        The row is locked and checked again: if another desk scheduled it meanwhile, the
        whole booking is rolled back and the form says so.
        """
        telehealth_request = open_telehealth_requests().select_for_update().filter(pk=telehealth_request_id).first()
        if telehealth_request is None:
            raise RequestScheduledMeanwhile
        telehealth_request.appointment = appointment
        telehealth_request.status = TelehealthRequest.Status.SCHEDULED
        telehealth_request.save(update_fields=["appointment", "status", "updated_at"])
        self.message_user(request, f"Telehealth request {telehealth_request.reference} is now scheduled.")

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        scheduled = TelehealthRequest.objects.filter(appointment=obj).first()
        if scheduled is not None and "_save" in request.POST:
            return redirect(scheduled.get_admin_url())  # back to the request, now showing “Scheduled”
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (TimeTakenMeanwhile, RequestScheduledMeanwhile):
            # Possible between the form's check and the insert; everything was rolled back.
            # Validating again now shows the clash as a form error, typed values kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _change_status(self, request, queryset, eligible, change_one, done, rule):
        """Apply `change_one` to the chosen rows that are `eligible`, all in one transaction, and say how many changed."""
        total = queryset.count()
        with transaction.atomic():
            rows = Appointment.objects.select_for_update().filter(eligible, pk__in=queryset.values("pk")).order_by("starts_at")
            changed = 0
            for appointment in rows:
                change_one(appointment)
                changed += 1
        text = f"{changed} appointment{'' if changed == 1 else 's'} {done}."
        if changed < total:
            left = total - changed
            text += f" {left} left as {'it was' if left == 1 else 'they were'}: {rule}"
        self.message_user(request, text, messages.SUCCESS if changed == total else messages.WARNING)

    @admin.action(description="Confirm selected requests (emails the patient)", permissions=["change"])
    def confirm(self, request, queryset):
        self._change_status(
            request, queryset, Q(status=Appointment.Status.REQUESTED, ends_at__gt=timezone.now()), confirm_appointment,
            "confirmed", "only requests for visits that are not over yet can be confirmed.",
        )

    @admin.action(description="Cancel selected appointments (emails the patient)", permissions=["change"])
    def cancel(self, request, queryset):
        self._change_status(
            request, queryset, Q(status__in=Appointment.ACTIVE_STATUSES, ends_at__gt=timezone.now()), cancel_by_staff,
            "cancelled", "only requested or confirmed visits that are not over yet can be cancelled.",
        )

    @admin.action(description="Mark selected as completed (the patient came)", permissions=["change"])
    def mark_completed(self, request, queryset):
        self._change_status(
            request, queryset, Q(status__in=Appointment.ACTIVE_STATUSES, starts_at__lte=timezone.now()),
            status_setter(Appointment.Status.COMPLETED), "marked completed",
            "only requested or confirmed visits that have started can be marked completed.",
        )

    @admin.action(description="Mark selected as no-show (the patient did not come)", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._change_status(
            request, queryset, Q(status__in=Appointment.ACTIVE_STATUSES, starts_at__lte=timezone.now()),
            status_setter(Appointment.Status.NO_SHOW), "marked no-show",
            "only requested or confirmed visits that have started can be marked no-show.",
        )

    def get_urls(self):
        day_view = self.admin_site.admin_view(self.day_schedule_view)
        return [path("day/", day_view, name="appointments_appointment_day"), *super().get_urls()]

    def day_schedule_view(self, request):
        """One day's active appointments per provider, in time order, for printing."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DayScheduleForm(request.GET or None)
        day, provider = timezone.localdate(), None
        if form.is_valid():
            day = form.cleaned_data["date"] or day
            provider = form.cleaned_data["provider"]
        starts, ends = local_day_window(day)
        appointments = (
            Appointment.objects.active()
            .filter(starts_at__gte=starts, starts_at__lt=ends)
            .select_related("provider", "visit_type")
            .order_by("provider__order", "provider__name", "provider_id", "starts_at")
        )
        if provider is not None:
            appointments = appointments.filter(provider=provider)
        for appointment in appointments:
            appointment.phone_display = display_phone(appointment.phone)
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



from appointments import outbox_admin, schedule_admin, telehealth_admin  # noqa: E402,F401

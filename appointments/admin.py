from datetime import timedelta
from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from appointments import notifications
from appointments.staff_booking import (
    cancel_by_staff,
    confirm_appointment,
    local_day_window,
    status_setter,
    why_staff_cannot_book,
)
from appointments.models import Appointment, OutboxMessage
from clinic.models import Provider
from clinic.phone import display_phone, normalise_phone

PATIENT_FIELDS = [
    "first_name", "last_name", "date_of_birth", "phone", "email", "is_new_patient", "reason", "consent_to_contact",
]
VISIT_FIELDS = ["provider", "visit_type", "modality", "starts_at"]
OLDEST_PATIENT_YEARS = 120


class TimeTakenMeanwhile(Exception):
    """The database refused a staff booking that passed the form's check: someone else took the time in between."""


class AppointmentForm(forms.ModelForm):
    """Staff booking (add) and moving a visit (change): the same rules either way."""

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
                ("Visit", {"fields": VISIT_FIELDS, "description": "The patient gets an email with the time, a calendar "
                           "file and a link to cancel or change online. Staff bookings are confirmed at once."}),
                ("Patient", {"fields": PATIENT_FIELDS}),
            ]
        patient = [name if name != "phone" else "phone_number" for name in PATIENT_FIELDS]
        visit_description = (
            "To move the visit, change the provider, place or time and save: the patient is emailed the new details. "
            "To confirm or cancel, or to record that the patient came or did not, use the actions on the appointment list."
        )
        return [
            (None, {"fields": ["reference", "status", "source"]}),
            ("Visit", {"fields": VISIT_FIELDS + ["ends_at"], "description": visit_description}),
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
                    obj.save(update_fields=[*VISIT_FIELDS, "ends_at", "reminder_sent_at", "updated_at"])
                else:
                    obj.save()
        except IntegrityError:
            raise TimeTakenMeanwhile from None
        if not change:
            notifications.queue_booking_received(obj, token)
        elif moved:
            notifications.queue_rescheduled(obj, by_patient=False)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TimeTakenMeanwhile:
            # Possible on PostgreSQL between the form's check and the insert; everything was
            # rolled back. Validating again now shows the clash as a form error, typed values kept.
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



@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only for everyone. Only superusers see who a message went to and what it said."""

    list_display = ["created_at", "kind", "reference", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["appointment"]
    search_fields = ["appointment__reference"]
    search_help_text = "Search by appointment reference."
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [
        "kind", "reference", "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at",
        "to", "subject", "body", "attachment_name",
    ]

    def get_list_display(self, request):
        return [*self.list_display, "to"] if request.user.is_superuser else self.list_display

    def get_search_fields(self, request):
        return [*self.search_fields, "to"] if request.user.is_superuser else self.search_fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {
                "fields": ["kind", "reference", "status", "attempts", "last_error", "next_attempt_at", "created_at", "sent_at"],
                "description": "Emails wait here until the mail server takes them; failed ones are tried again "
                "by themselves. If one keeps failing, check the email address with the patient.",
            }),
        ]
        if request.user.is_superuser:
            fieldsets.append(("Message", {"fields": ["to", "subject", "body", "attachment_name"]}))
        return fieldsets

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="appointment", ordering="appointment__reference")
    def reference(self, obj):
        if obj.appointment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.appointment.get_admin_url(), obj.appointment.reference)

    @admin.action(description="Send selected again on the next run", permissions=["view"])
    def retry_now(self, request, queryset):
        waiting = [OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]
        count = OutboxMessage.objects.filter(pk__in=queryset.values("pk"), status__in=waiting).update(next_attempt_at=timezone.now())
        self.message_user(request, f"{count} message{'' if count == 1 else 's'} will be sent on the next run of the outbox, within a few minutes.")


# Schedules, visit types and booking settings are registered in their own module.
from appointments import schedule_admin  # noqa: E402,F401

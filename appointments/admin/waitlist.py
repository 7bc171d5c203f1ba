"""The waitlist in the admin: the front desk sees who waits, per visit type and in joining order,
what they were offered, and offers a time by hand (the action “Offer a time to the selected
patients”: one time, emailed to each of them; the first to claim it gets it)."""

from auditlog.signals import accessed
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AdminSplitDateTime
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join

from appointments import waitlist
from appointments.models import WaitlistEntry, WaitlistOffer
from clinic.models import Provider
from clinic.phone import display_phone


class OfferTimeForm(forms.Form):
    provider = forms.ModelChoiceField(Provider.objects.active(), help_text="Who sees the patient at that time.")
    starts_at = forms.SplitDateTimeField(
        label="Time", widget=AdminSplitDateTime,
        help_text="Date and start time, Eastern time. It must be free on the online rules (the booking page offers it): "
        "claiming the offer books it online.",
    )


class OfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    can_delete = False
    fields = ["starts_at", "provider", "status", "by_staff", "offered_at", "emailed_at", "expires_at", "claimed_at", "appointment"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["reference", "visit_type", "wanted_provider", "first_day", "last_day", "days_and_times", "status", "created_at",
                    "offers_made"]
    list_filter = ["visit_type", "status", "provider"]
    search_fields = ["reference"]
    ordering = ["created_at", "pk"]
    actions = ["offer_a_time"]
    inlines = [OfferInline]
    readonly_fields = ["reference", "visit_type", "provider", "first_day", "last_day", "weekdays_text", "times_text", "appointment",
                       "first_name", "last_name", "date_of_birth", "phone_number", "email", "is_new_patient", "coverage",
                       "insurance_plan_name", "reason", "status", "created_at", "ended_at"]
    fieldsets = [
        ("What would suit", {"fields": ["reference", "visit_type", "provider", "first_day", "last_day", "weekdays_text",
                                        "times_text", "appointment", "status", "created_at", "ended_at"]}),
        ("Patient", {"fields": ["first_name", "last_name", "date_of_birth", "phone_number", "email", "is_new_patient",
                                "coverage", "insurance_plan_name", "reason"]}),
    ]

    def has_add_permission(self, request):
        return False  # patients join from the website; the front desk books by phone

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("visit_type", "provider").prefetch_related("offers")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            accessed.send(type(obj), instance=obj)  # the audit trail records every opening of a patient's entry
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="with")
    def wanted_provider(self, obj):
        return obj.provider or "Any"

    @admin.display(description="days and times")
    def days_and_times(self, obj):
        return f"{obj.days_text()}, {obj.times_text()}"

    @admin.display(description="days")
    def weekdays_text(self, obj):
        return obj.days_text()

    @admin.display(description="times of day")
    def times_text(self, obj):
        return obj.times_text()

    @admin.display(description="mobile phone")
    def phone_number(self, obj):
        return display_phone(obj.phone)

    @admin.display(description="offers")
    def offers_made(self, obj):
        offers = list(obj.offers.all())
        if not offers:
            return "—"
        return format_html_join(", ", "{} ({})", (
            (f"{timezone.localtime(offer.starts_at):%b %d %H:%M}", offer.get_status_display()) for offer in offers
        ))

    @admin.action(description="Offer a time to the selected patients")
    def offer_a_time(self, request, queryset):
        form = OfferTimeForm(request.POST if "offer" in request.POST else None)
        if "offer" in request.POST and form.is_valid():
            try:
                offers = waitlist.offer_by_hand(list(queryset), provider=form.cleaned_data["provider"],
                                                starts_at=form.cleaned_data["starts_at"])
            except waitlist.WaitlistRefused as refusal:
                form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
            else:
                self.message_user(request, f"The time is offered to {len(offers)} patient{'s' if len(offers) != 1 else ''} "
                                           "by email; the first to claim it gets it.", messages.SUCCESS)
                return None
        return TemplateResponse(request, "admin/appointments/waitlistentry/offer_time.html", {
            **self.admin_site.each_context(request),
            "title": "Offer a time to the selected patients",
            "entries": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media + form.media,
        })

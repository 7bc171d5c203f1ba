"""Admin for what makes times bookable: providers' working hours, time off, visit
types and the practice-wide booking settings. Their rules live in the models."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from appointments import estimates
from appointments.loader import booked_between
from appointments.admin.estimates import EstimateItemInline
from appointments.models import BookingSettings, TimeOff, VisitType, WorkingHours
from clinic.admin import FRIENDLY_FIELDS, DatesFromTheAddress, SingleRowAdmin, visit_links


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    list_display = ["provider", "weekday", "starts", "ends"]
    list_filter = ["provider", "weekday"]
    list_select_related = ["provider"]
    fieldsets = [
        (None, {
            "fields": ["provider", "weekday", "starts", "ends"],
            "description": "One block of a provider's usual week. Add a second block for the same day for a lunch "
            "break. Patients can book only when the provider works and the office is open, so holiday hours "
            "still close the calendar. Changes apply to online booking at once; booked visits stay as they are.",
        }),
    ]


class UpcomingTimeOffFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Now and later"), ("past", "Past")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(ends_at__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(ends_at__lte=timezone.now())
        return queryset


@admin.register(TimeOff)
class TimeOffAdmin(DatesFromTheAddress, admin.ModelAdmin):
    list_display = ["provider", "starts_at", "ends_at", "note"]
    list_filter = [UpcomingTimeOffFilter, "provider"]
    list_select_related = ["provider"]
    search_fields = ["note", "provider__name"]
    date_hierarchy = "starts_at"
    fieldsets = [
        (None, {
            "fields": ["provider", "starts_at", "ends_at", "note"],
            "description": "No online bookings for this provider from “from” until “until”. Visits already booked "
            "then are not cancelled: after saving, the ones to move are listed.",
        }),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clashes = booked_between(obj.starts_at, obj.ends_at, provider_id=obj.provider_id)
        if clashes:
            self.message_user(
                request,
                format_html(
                    "{} already has {} appointment(s) during this time off. Call the patients to move or cancel them: {}",
                    obj.provider, len(clashes), visit_links(clashes),
                ),
                messages.WARNING,
            )


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "places", "new_patients_only", "new_patients_may_book", "service", "self_pay_price",
                    "is_active", "order"]
    list_editable = ["order"]
    list_filter = ["is_active", "in_office", "by_video", "new_patients_only", "series_allowed", "providers"]
    list_select_related = ["service"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["providers"]
    inlines = [EstimateItemInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "duration_minutes", "order"]}),
        ("Who and where", {"fields": ["providers", "in_office", "by_video", "new_patients_only", "new_patients_may_book"]}),
        ("Online booking", {
            "fields": ["is_active", "service", "series_allowed"],
            "description": "Staff can book any visit type in the admin, even one not bookable online.",
        }),
        ("Price", {
            "fields": ["self_pay_price"],
            "description": "Shown on the treatment page, on the insurance page and in booking as “Self-pay: $…”, with the "
            "notice about good faith estimates. Changes show on the website at once. The good faith estimates list the "
            "expected items below: keep their total equal to this price. While the two differ, no estimate is sent by "
            "itself; each waits for the front desk.",
        }),
    ]
    # Content editors keep the prices and the wording; who offers a visit, where and for how long stays the front desk's.
    EDITOR_FIELDS = {"self_pay_price", "description"}

    def runs_booking(self, request) -> bool:
        return request.user.has_perm("appointments.add_visittype")

    def get_readonly_fields(self, request, obj=None):
        if obj is None or self.runs_booking(request):
            return []
        return [name for _, options in self.fieldsets for name in options["fields"] if name not in self.EDITOR_FIELDS]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if self.runs_booking(request) else {}

    def get_changelist_instance(self, request):
        # The list's order boxes are the front desk's: editors get the list without them (and cannot save it).
        changelist = super().get_changelist_instance(request)
        if not self.runs_booking(request):
            changelist.list_editable = ()
        return changelist

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        problem = estimates.price_disagreement(form.instance)
        if problem:
            self.message_user(request, f"{problem} Until then, good faith estimates for it wait for the front desk "
                              "instead of going out by themselves.", messages.WARNING)

    @admin.display(description="where")
    def places(self, obj):
        return " or ".join(place for place, offered in (("in the office", obj.in_office), ("video", obj.by_video)) if offered)


@admin.register(BookingSettings)
class BookingSettingsAdmin(SingleRowAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    fieldsets = [
        ("Online booking", {"fields": ["minimum_notice_minutes", "horizon_days", "slot_step_minutes"],
                            "description": "Rules for patients booking online. Staff booking here may book any "
                            "time the office is open and the provider free."}),
        ("After booking", {"fields": ["requires_confirmation", "cancellation_cutoff_hours", "change_grace_minutes", "reminder_time"]}),
        ("Waitlist", {"fields": ["waitlist_claim_minutes"], "description": "When a time frees up, patients on the "
                      "waitlist who would take it are emailed in the order they joined; each offer can be claimed for this long."}),
        ("Patients who often do not come", {"fields": ["no_show_limit", "no_show_months"],
                                            "description": "Optional: their online bookings wait for the front desk to confirm them."}),
        ("Video visits", {"fields": ["video_room_template"], "description": "Video visits are offered only with clinicians "
                          "licensed where the patient will be: edit each clinician's licences on their page under Providers. "
                          "Without a video room address, staff must give each video visit its own link before confirming it."}),
        ("Intake forms", {"fields": ["intake_answers_kept_days"], "description": "Patients' answers to their forms before a "
                          "visit are deleted this long after it (the outbox worker checks every hour); the chart keeps what "
                          "the clinician needs."}),
    ]

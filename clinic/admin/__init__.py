from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import AdminTimeWidget
from django.core.validators import MaxLengthValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateformat import time_format
from django.utils.formats import date_format
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from clinic import seams
from clinic.branding import BrandColourField
from clinic.hours import TimeBlock, find_overlap
from clinic.validators import PLAUSIBLE_YEARS
from clinic.phone import display_phone
from clinic.models import Announcement, HolidayHours, OfficeHours, Practice, Provider, ProviderLicence

admin.site.site_header = "Practice website — staff"
admin.site.site_title = "Practice website staff"
admin.site.index_title = "What would you like to update?"


class StaffSignInForm(AdminAuthenticationForm):
    """The admin's sign-in form, with the username's length enforced. Django sets the
    field's max_length after the field is built, so no validator checks it, and django-axes
    would record any failed username in its 255-character column: on PostgreSQL a longer
    one (or one that Unicode normalisation makes longer) was a server error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


admin.site.login_form = StaffSignInForm

# A link typed without "https://" gets it added (Django 6's default, chosen now);
# times show as 08:30, not 08:30:00.
FRIENDLY_FIELDS = {
    models.URLField: {"assume_scheme": "https"},
    models.TimeField: {"widget": AdminTimeWidget(format="%H:%M")},
}


class DatesFromTheAddress:
    """Dates that staff pages take from their address, made safe.

    - The admin fills an add form from its address (?field=value), but a date-and-time field
      given that way cannot be shown (a server error): no page of ours links with one, so
      those are left out.
    - The date bar of a list (date_hierarchy) takes ?field__year=…: a year Django cannot
      count from (9999, 1) would be a server error, so an implausible year goes back to the
      whole list with a message.
    - A date or time given as a filter (?starts_at=9999-12-31T23:59) that Django cannot turn into
      a moment (OverflowError, which the admin does not catch as a bad filter) goes back to the
      whole list with a message too.
    """

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        date_times = {field.name for field in self.opts.fields if isinstance(field, models.DateTimeField)}
        return {name: value for name, value in initial.items() if name not in date_times}

    def changelist_view(self, request, extra_context=None):
        prefix = f"{self.date_hierarchy}__" if self.date_hierarchy else None
        year = request.GET.get(f"{prefix}year", "") if prefix else ""
        if year and not (year.isascii() and year.isdigit() and abs(int(year) - timezone.localdate().year) <= PLAUSIBLE_YEARS):
            self.message_user(request, "Please check the year.", messages.WARNING)
            query = request.GET.copy()
            for key in [key for key in query if key.startswith(prefix)]:
                del query[key]
            return redirect(f"{request.path}?{query.urlencode()}")
        try:
            return super().changelist_view(request, extra_context)
        except OverflowError:
            self.message_user(request, "Please check the dates in the address.", messages.WARNING)
            return redirect(request.path)


class FilterWithDefault(admin.SimpleListFilter):
    """A list filter that applies `default` when nothing is chosen, and "all" while staff
    search (or when `looks_everywhere` says so): a search must find every record. "all" is
    one of its own choices, so Django's "All" entry (which would mean the default) is left out."""

    default = "all"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.everywhere = bool(request.GET.get(SEARCH_VAR)) or self.looks_everywhere(request)

    def looks_everywhere(self, request) -> bool:
        return False

    def value(self):
        return super().value() or ("all" if self.everywhere else self.default)

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["query_string"] != changelist.get_query_string(remove=[self.parameter_name]):
                yield choice


class PhoneNumberField(forms.CharField):
    """Stored as +13015550142; staff read and type (301) 555-0142."""

    def prepare_value(self, value):
        return display_phone(value) if value else value


class OfficeHoursFormSet(forms.BaseInlineFormSet):
    """Checks the blocks of each weekday against each other as they are about to be saved."""

    def clean(self):
        super().clean()
        by_weekday = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            if data.get("opens") and data.get("closes") and data.get("weekday") is not None and data["closes"] > data["opens"]:
                by_weekday.setdefault(data["weekday"], []).append(TimeBlock(data["opens"], data["closes"]))
        for weekday, blocks in by_weekday.items():
            overlap = find_overlap(blocks)
            if overlap:
                first, second = overlap
                day = OfficeHours.Weekday(weekday).label
                raise ValidationError(
                    f"{day} has overlapping hours ({first.opens:%H:%M}–{first.closes:%H:%M} and "
                    f"{second.opens:%H:%M}–{second.closes:%H:%M}). Make the blocks separate, e.g. 8:30–12:30 and 13:30–17:00."
                )


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    formfield_overrides = FRIENDLY_FIELDS
    formset = OfficeHoursFormSet
    extra = 1
    verbose_name = "block of office hours"
    verbose_name_plural = "Weekly office hours (a day with no block shows as closed; add a second block for a lunch break)"


class SingleRowAdmin(admin.ModelAdmin):
    """The admin of a `SingleRowModel`: its list goes straight to the one row (or to "add"
    on a new site, with the defaults filled in), and it cannot be deleted."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if self.model.objects.filter(pk=1).exists():
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[1]))
        if self.has_add_permission(request):
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_add"))
        return super().changelist_view(request, extra_context)


def as_stored(obj):
    """The row as saved: after a refused upload the form's copy of `obj` holds the refused file."""
    return type(obj).objects.filter(pk=obj.pk).first() if obj is not None and obj.pk else None


def stored_picture(picture, empty="No picture yet"):
    """The smallest stored copy of a picture, for staff to check what patients see."""
    if picture is None:
        return empty
    smallest = picture.url_at(picture.widths[0]) if picture.widths else picture.src
    return format_html('<img src="{}" alt="" height="96"> {} × {} pixels at most', smallest, picture.width, picture.height)


@admin.register(Practice)
class PracticeAdmin(SingleRowAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    readonly_fields = ["logo_preview", "office_photo_preview"]

    @admin.display(description="logo as stored")
    def logo_preview(self, obj):
        stored = as_stored(obj)
        return stored_picture(stored.logo_picture if stored else None)

    @admin.display(description="office photo as stored")
    def office_photo_preview(self, obj):
        stored = as_stored(obj)
        return stored_picture(stored.office_picture if stored else None)
    inlines = [OfficeHoursInline]
    fieldsets = [
        (None, {"fields": ["name", "specialties"]}),
        ("Contact", {"fields": ["phone", "email"]}),
        ("Address", {"fields": ["street_address", "city", "state", "postal_code", "directions_url"]}),
        ("Booking page", {"fields": ["referral_note"]}),
        ("New patients and affiliations", {
            "fields": ["first_visit", "affiliations"],
            "description": "Shown on the home page (and the first visit on each provider's page) so new patients "
            "know what to expect and who you work with. Write one item per line.",
        }),
        ("Look of the site", {"fields": ["brand_colour"]}),
        ("Logo and office photo", {
            "fields": ["logo", "logo_preview", "logo_alt", "office_photo", "office_photo_preview", "office_photo_alt"],
            "description": "Both are optional. The site stores each upload in the sizes its pages need, so any photo "
            "from a phone or camera will do. A file that is not a picture, or is larger than 8 MB, is refused with a "
            "message next to it.",
        }),
        ("Identifiers for good faith estimates", {
            "fields": ["npi", "tax_id"],
            "description": "Printed on the cost estimates patients paying themselves receive (45 CFR 149.610). "
            "Estimates cannot be sent until both are filled in.",
        }),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "phone":
            kwargs["form_class"] = PhoneNumberField
        if db_field.name == "brand_colour":
            kwargs["form_class"] = BrandColourField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class UpcomingHolidayFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Today and later"), ("past", "Past")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "upcoming":
            return queryset.filter(last_day__gte=today)
        if self.value() == "past":
            return queryset.filter(last_day__lt=today)
        return queryset


def visit_links(visits) -> str:
    """Links to booked visits (`clinic.seams.BookedVisit`) in the admin, for a warning."""
    return format_html_join(", ", '<a href="{}">{}</a>', ((visit.admin_url, visit.label) for visit in visits))


def affected_visits(holiday: HolidayHours) -> list[seams.BookedVisit]:
    """The booked visits (not over yet) that fall outside the hours of these holiday hours.
    The appointments app tells which visits are booked then (clinic cannot import it: see clinic.seams)."""
    return [visit for visit in seams.booked_visits(holiday.first_day, holiday.last_day or holiday.first_day)
            if outside_hours(holiday, visit)]


def affected_url(holiday: HolidayHours) -> str:
    return reverse("admin:clinic_holidayhours_affected", args=[holiday.pk])


def closure_for_patients(holiday: HolidayHours) -> seams.Closure:
    """The closure as the patients' emails name it: “Tuesday, December 8” (to “Thursday, December 10”)."""
    last_day = holiday.last_day or holiday.first_day
    dates = date_format(holiday.first_day, "l, F j")
    if last_day != holiday.first_day:
        dates += f" to {date_format(last_day, 'l, F j')}"
    label = holiday.label
    if not holiday.is_closed and holiday.opens and holiday.closes:
        label += f"; open only {time_format(holiday.opens, 'g:i A')} to {time_format(holiday.closes, 'g:i A')}"
    return seams.Closure(label=label, dates=dates, note=holiday.note)


def outside_hours(holiday: HolidayHours, visit: seams.BookedVisit) -> bool:
    starts, ends = timezone.localtime(visit.starts_at), timezone.localtime(visit.ends_at)
    return not any(
        block.opens <= starts.time() and ends.time() <= block.closes and starts.date() == ends.date()
        for block in holiday.as_holiday().blocks
    )


@admin.register(HolidayHours)
class HolidayHoursAdmin(DatesFromTheAddress, admin.ModelAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    list_display = ["label", "dates", "hours_display", "note"]
    list_filter = [UpcomingHolidayFilter]
    search_fields = ["label", "note"]
    date_hierarchy = "first_day"
    fieldsets = [
        (None, {"fields": ["label", "first_day", "last_day"]}),
        (
            "Hours on these days",
            {
                "fields": ["is_closed", "opens", "closes", "note"],
                "description": "Holiday hours replace the weekly hours on these days everywhere on the site, "
                "including online booking. Patients see them on every page from two weeks before.",
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        affected = affected_visits(obj)
        actions = seams.closure_actions()
        request.closure_hits_visits = bool(affected)
        if affected:
            self.message_user(
                request,
                f"{'1 booked visit falls' if len(affected) == 1 else f'{len(affected)} booked visits fall'} when the office "
                "is now closed. Nothing was cancelled yet: they are listed below"
                f"{', and the front desk was emailed' if actions is not None and settings.FRONT_DESK_EMAIL else ''}.",
                messages.WARNING,
            )
        if affected and actions is not None:
            # Whoever saved it, the front desk hears of it: a count and the page's address, no patient.
            actions.alert_front_desk(len(affected), closure_for_patients(obj), affected_url(obj))

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "closure_hits_visits", False):
            return redirect(affected_url(obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "closure_hits_visits", False):
            return redirect(affected_url(obj))
        return super().response_change(request, obj)

    def get_urls(self):
        return [
            path("<path:object_id>/affected/", self.admin_site.admin_view(self.affected_view),
                 name="clinic_holidayhours_affected"),
            *super().get_urls(),
        ]

    def affected_view(self, request, object_id):
        """The booked visits this closure hits, with links for those who may open them, and
        the front desk's two actions: cancel and notify the patients, or notify only."""
        holiday = self.get_object(request, object_id) if str(object_id).isascii() and str(object_id).isdigit() else None
        if holiday is None:
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            self.message_user(request, "Those holiday hours do not exist (any more).", messages.WARNING)
            return redirect("admin:clinic_holidayhours_changelist")
        if not self.has_view_or_change_permission(request, holiday):
            raise PermissionDenied
        actions = seams.closure_actions()
        may_open = actions is not None and actions.may_open_visits(request.user)
        may_act = actions is not None and actions.may_change_visits(request.user) and self.has_change_permission(request, holiday)
        affected = affected_visits(holiday)
        if request.method == "POST":
            if not may_act:
                raise PermissionDenied
            return self.act_on_affected(request, holiday, affected, actions)
        # Patients already told of this closure (since it was last saved): not told twice by "Notify only".
        notified = actions.notified_since([visit.reference for visit in affected], holiday.updated_at) if actions else set()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": holiday,
            "notified": notified,
            "title": f"Booked visits when the office is closed: {holiday}",
            "visits": affected,
            "may_open": may_open,
            "may_act": may_act,
            "has_actions": actions is not None,
            "change_url": reverse("admin:clinic_holidayhours_change", args=[holiday.pk]),
        }
        return TemplateResponse(request, "admin/clinic/holidayhours/affected.html", context)

    def act_on_affected(self, request, holiday, affected, actions):
        # Only visits both shown to this user and still hit now: never one they did not see.
        shown = set(request.POST.getlist("reference"))
        references = [visit.reference for visit in affected if visit.reference in shown]
        closure = closure_for_patients(holiday)
        chosen = request.POST.get("action")
        if chosen == "cancel":
            done, refusals = actions.cancel_and_notify(references, closure)
            text = f"{done} visit{'' if done == 1 else 's'} cancelled; each patient is emailed a kind note with a link to book again."
        elif chosen == "notify":
            told = actions.notified_since(references, holiday.updated_at)
            references = [reference for reference in references if reference not in told]
            if not references and told:
                self.message_user(request, "Every patient listed was already emailed about this closure.", messages.WARNING)
                return redirect(affected_url(holiday))
            done, refusals = actions.notify_only(references, closure)
            text = (f"{done} patient{' is' if done == 1 else 's are'} emailed that the office is closed then, "
                    "with their link to choose a new time or our number to call. Their visits stay booked until moved.")
        else:
            self.message_user(request, "Please choose one of the two buttons.", messages.WARNING)
            return redirect(affected_url(holiday))
        if refusals:
            text += f" {len(refusals)} left as {'it was' if len(refusals) == 1 else 'they were'}: " + " ".join(dict.fromkeys(refusals))
        if not references:
            text = "No visits were chosen: the list changed meanwhile. Please check it again."
        self.message_user(request, text, messages.WARNING if refusals or not references else messages.SUCCESS)
        return redirect(affected_url(holiday))

    @admin.display(description="dates", ordering="first_day")
    def dates(self, obj):
        return obj.date_range_display

    @admin.display(description="hours")
    def hours_display(self, obj):
        if obj.is_closed:
            return "Closed"
        return f"{obj.opens:%H:%M}–{obj.closes:%H:%M}"


class AnnouncementStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", "Live now"), ("scheduled", "Scheduled"), ("ended", "Ended"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.live(now)
        if self.value() == "scheduled":
            return queryset.published().filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.published().filter(ends_at__lte=now)
        if self.value() == "draft":
            return queryset.filter(is_published=False)
        return queryset


@admin.register(Announcement)
class AnnouncementAdmin(DatesFromTheAddress, admin.ModelAdmin):
    formfield_overrides = FRIENDLY_FIELDS
    list_display = ["title", "status", "kind", "priority", "starts_at", "ends_at", "view_link"]
    list_filter = [AnnouncementStatusFilter, "kind", "priority"]
    search_fields = ["title", "message", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "priority", "is_published"]}),
        ("What patients read", {"fields": ["message", "body", "link_url", "link_text"]}),
        (
            "When it shows",
            {
                "fields": ["starts_at", "ends_at"],
                "description": "The notice appears and disappears by itself at these times; no need to come back.",
            },
        ),
    ]

    @admin.display(description="status")
    def status(self, obj):
        now = timezone.now()
        if not obj.is_published:
            return "Draft"
        if obj.is_live(now):
            return format_html("<strong>{}</strong>", "Live now")
        if obj.starts_at > now:
            return "Scheduled"
        return "Ended"

    @admin.display(description="page")
    def view_link(self, obj):
        return format_html('<a href="{}">View</a>', obj.get_absolute_url())


class ProviderLicenceInline(admin.TabularInline):
    model = ProviderLicence
    extra = 0
    fields = ["state", "licence_type", "number"]
    verbose_name_plural = "licences (video visits are offered only to patients in these states)"


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    inlines = [ProviderLicenceInline]
    list_display = ["display_name", "role", "offers_telehealth", "licensed_in", "is_active", "order"]
    list_editable = ["order"]
    list_filter = ["is_active", "offers_telehealth"]
    search_fields = ["name", "role"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["photo_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "credentials", "role", "bio", "languages", "npi"]}),
        ("Photo", {
            "fields": ["photo", "photo_preview", "photo_alt"],
            "description": "Patients see the photo on the team page, the provider's own page and the home page. "
            "Without one, the site shows the provider's initials in the practice's colour.",
        }),
        ("Certifications and experience", {
            "fields": ["board_certifications", "in_practice_since", "affiliations"],
            "description": "Shown on their page under “Training and experience”, and in what search engines read about "
            "them. Patients rely on these: enter only what is current and checked.",
        }),
        ("On the site", {"fields": ["offers_telehealth", "is_active", "order"]}),
        ("Staff sign-in", {
            "fields": ["staff_user"],
            "description": "A clinician who signs in to the admin (their user is in the “Clinicians” group) is linked "
            "here to their provider: they then see only this provider's schedule and these patients' intake forms. "
            "Only superusers, who manage sign-ins, change it.",
        }),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("licences")

    def get_readonly_fields(self, request, obj=None):
        # Linking a sign-in decides whose patients' health answers it reads: the superusers' decision, as
        # sign-ins and their groups are (content editors keep the team page, not access to records).
        fixed = list(super().get_readonly_fields(request, obj))
        return fixed if request.user.is_superuser else [*fixed, "staff_user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "staff_user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="photo as stored")
    def photo_preview(self, obj):
        stored = as_stored(obj)
        return stored_picture(stored.portrait if stored else None, empty="No photo: the site shows the initials")

    @admin.display(description="licensed in")
    def licensed_in(self, obj):
        return ", ".join(licence.state for licence in obj.licences.all()) or "—"


# The notices the law requires: their admin pages register themselves.
from clinic.admin import legal  # noqa: E402, F401

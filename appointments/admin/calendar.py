"""The front desk's calendar in the admin: a day or a week, a column per provider, visits,
free times that open the booking form filled in, and the time that cannot be booked shaded
and labelled. What goes in each column is `appointments.calendar`'s; this module reads the
address, says what was wrong with it, and renders."""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format

from appointments import calendar, clinicians
from appointments.audit import record_list_view
from appointments.models import VisitType
from clinic.models import Provider
from clinic.validators import validate_plausible_date


class VisitTypeField(forms.ModelChoiceField):
    """A visit type named in the address by its slug (as the form sends it) or by its id."""

    def to_python(self, value):
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            found = self.queryset.filter(pk=value).first()
            if found is not None:
                return found
        return super().to_python(value)


class CalendarForm(forms.Form):
    view = forms.ChoiceField(
        choices=[(calendar.WEEK, "Week (Monday to Sunday)"), (calendar.DAY, "Day")], required=False, label="Show",
    )
    date = forms.DateField(
        required=False, label="Date", validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    provider = forms.ModelMultipleChoiceField(
        Provider.objects.active(), required=False, label="Providers", widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: everyone.",
    )
    visit = VisitTypeField(
        VisitType.objects.all(), required=False, to_field_name="slug", label="Free times for", empty_label="The shortest visit",
    )


def choices_from(request) -> tuple[CalendarForm, dict]:
    """The form as sent, and what to show: each part that was wrong falls back to its default."""
    data = request.GET.copy()
    # The form shows what the page shows: this week, unless the address says otherwise.
    data.setdefault("view", calendar.WEEK)
    data.setdefault("date", timezone.localdate().isoformat())
    form = CalendarForm(data)
    form.is_valid()
    data = form.cleaned_data
    visit_type = data.get("visit")
    chosen = {
        "view": data.get("view") or calendar.WEEK,
        "day": data.get("date") or timezone.localdate(),
        "providers": list(data.get("provider") or ()),
        "visit_type": visit_type,
        "visit_is_default": visit_type is None,
    }
    return form, chosen


def address(chosen: dict, **changes) -> str:
    """The calendar's query string with `changes` (ids and a date only: never anything about a patient)."""
    values = {**chosen, **changes}
    query = [("view", values["view"]), ("date", values["day"].isoformat())]
    query += [("provider", provider.pk) for provider in values["providers"]]
    if not values["visit_is_default"]:
        query.append(("visit", values["visit_type"].slug))
    return "?" + urlencode(query)


def calendar_view(model_admin, request):
    """The calendar page: `?view=day|week&date=YYYY-MM-DD&provider=<id>&visit=<slug or id>`."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form, chosen = choices_from(request)
    books = model_admin.has_add_permission(request)
    if chosen["visit_type"] is None and books:
        chosen["visit_type"] = calendar.default_visit_type()
    if not books:
        # Free times open the booking form: only for those who book (not clinicians).
        chosen["visit_type"], chosen["visit_is_default"] = None, True
    view, day = chosen["view"], chosen["day"]
    days = calendar.days_shown(view, day)
    providers = chosen["providers"] or list(Provider.objects.active().order_by("order", "name"))
    # A clinician's calendar is their own column (none when their sign-in is not linked to a provider).
    providers = clinicians.providers_seen_by(request.user, providers)
    if clinicians.sees_own_patients_only(request.user):
        form.fields["provider"].queryset = Provider.objects.filter(staff_user=request.user)
    step = timedelta(days=1 if view == calendar.DAY else 7)
    if view == calendar.DAY:
        title = f"Calendar, {date_format(day, 'l, F j, Y')}"
    else:
        title = f"Calendar, week of {date_format(days[0], 'F j')} to {date_format(days[-1], 'F j, Y')}"
    loaded = calendar.load_calendar(providers, days, chosen["visit_type"], timezone.now())
    # The page lists patients: the audit trail records who saw which visits (never the address's query).
    record_list_view(request, title, appointments=[
        block.appointment for shown in loaded for column in shown.columns for block in column.blocks if block.appointment
    ])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "form": form,
        "view": view,
        "days": [(shown, address(chosen, view=calendar.DAY, day=shown.day)) for shown in loaded],
        "providers": providers,
        "visit_type": chosen["visit_type"],
        "books": books,
        "visit_is_default": chosen["visit_is_default"],
        "modality": calendar.modality_for(chosen["visit_type"]) if chosen["visit_type"] else "",
        "previous_query": address(chosen, day=day - step),
        "next_query": address(chosen, day=day + step),
        "today_query": address(chosen, day=timezone.localdate()),
        "day_query": address(chosen, view=calendar.DAY),
        "week_query": address(chosen, view=calendar.WEEK),
        "day_schedule_query": f"?date={day.isoformat()}",
    }
    return TemplateResponse(request, "admin/appointments/appointment/calendar.html", context)

"""One provider's day on the admin calendar (templates/admin/appointments/appointment/calendar.html).

A week of ten providers holds some seventy columns, hundreds of visits and over a thousand free
times: each column is written here in one pass with the standard library's `html.escape`,
rather than by nested template loops, which is what keeps the page within its time (README,
"The calendar"). Every value is escaped as it is written, so the column is safe as a whole."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from appointments import calendar
from appointments.intake import intake_of, status_text
from appointments.models import Appointment

register = template.Library()

VISIT = (
    '<li class="calendar-visit calendar-status-{status}"><a href="{url}"><span class="calendar-time">{span}</span> '
    '<span class="calendar-patient">{last_name}, {first_name}</span> <span>{visit}</span> <span>{place}</span> '
    '<span class="calendar-status">{status_text}</span> <span class="calendar-intake calendar-intake-{review}">Forms: {intake}</span></a></li>'
)
FREE = '<li class="calendar-free"><span class="calendar-time">{span}</span> Free: <ul class="calendar-free-times">{links}</ul></li>'
MORE_TIMES = ('<li><a href="{url}">{count} more<span class="visually-hidden"> free times with {heading}</span></a></li>')
# The week shows the first few start times of each free stretch, and links to the day for the rest:
# all of them for ten providers would make a week thousands of pixels long.
TIMES_IN_A_WEEK = 4
FREE_TIME = '<li><a href="{url}"><span class="visually-hidden">Book </span>{clock}<span class="visually-hidden"> with {heading}</span></a></li>'
SHADED = '<li class="calendar-shaded calendar-{kind}"><span class="calendar-time">{span}</span> {label}</li>'
PLACES = {Appointment.Modality.VIDEO: "Video visit", Appointment.Modality.IN_OFFICE: "In the office"}


@register.simple_tag
def calendar_column(column, day_url=""):
    """The column's blocks in time order: visits (linking to them), free stretches (each start
    time a link to the booking form, named for screen readers “Book 09:15 with Dana Whitfield,
    MD, Monday, December 7”) and shaded time, each said in words. With `day_url` (the week), each
    stretch shows its first few times and a link to that day for the rest."""
    change_prefix = reverse("admin:appointments_appointment_changelist")
    heading = escape(column.heading)
    items = []
    for block in column.blocks:
        if block.kind == calendar.VISIT:
            visit = block.appointment
            forms = intake_of(visit)
            items.append(VISIT.format(
                status=escape(visit.status), url=f"{change_prefix}{int(visit.pk)}/change/", span=block.span,
                last_name=escape(visit.last_name), first_name=escape(visit.first_name), visit=escape(visit.visit_type.name),
                place=PLACES.get(visit.modality, ""), status_text=escape(str(visit.get_status_display())),
                intake=escape(status_text(forms)), review=escape(forms.review if forms is not None and forms.review else "none"),
            ))
        elif block.kind == calendar.FREE:
            shown = block.free_times[:TIMES_IN_A_WEEK] if day_url else block.free_times
            links = "".join(
                FREE_TIME.format(url=escape(free.booking_url), clock=escape(free.clock), heading=heading) for free in shown
            )
            if len(shown) < len(block.free_times):
                links += MORE_TIMES.format(url=escape(day_url), count=len(block.free_times) - len(shown), heading=heading)
            items.append(FREE.format(span=block.span, links=links))
        else:
            items.append(SHADED.format(kind=escape(block.kind), span=block.span, label=escape(block.label)))
    return mark_safe(f'<ol class="calendar-blocks">{"".join(items)}</ol>')  # noqa: S308  (every value escaped above)

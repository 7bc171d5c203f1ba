"""The front desk's calendar (/admin/appointments/appointment/calendar/): visits in words, free
times that open the booking form filled in, closures, time off and hours off shaded and
labelled, on ordinary days and on the days the clocks change; odd addresses answer a page."""

import re
from pathlib import Path
from datetime import date, time, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments import calendar
from appointments.availability import ProviderSchedule
from appointments.models import Appointment, OutboxMessage, TimeOff
from clinic.hours import PracticeHours, TimeBlock, at_wall_clock
from clinic.models import OfficeHours, Practice
from tests.factories import at, make_appointment, make_holiday, make_provider, make_visit_type, make_working_hours, next_monday

pytestmark = pytest.mark.django_db

CALENDAR_URL = "/admin/appointments/appointment/calendar/"
ADD_URL = "/admin/appointments/appointment/add/"


def day_view(client, day, **params):
    return client.get(CALENDAR_URL, {"view": "day", "date": day.isoformat(), **params})


def column(response, provider, day=None):
    """The blocks of `provider`'s column (on `day`, default the first day shown)."""
    for calendar_day, _ in response.context["days"]:
        if day is None or calendar_day.day == day:
            return next(c for c in calendar_day.columns if c.provider == provider).blocks
    raise AssertionError(f"{day} is not shown")


def described(blocks) -> list[str]:
    """Each block as the page says it: its times on the practice's wall clock and what it is."""
    lines = []
    for block in blocks:
        span = f"{timezone.localtime(block.starts_at):%H:%M}–{timezone.localtime(block.ends_at):%H:%M}"
        what = block.appointment.reference if block.kind == calendar.VISIT else block.label
        lines.append(f"{span} {what}")
    return lines


def free_times(blocks) -> list[str]:
    return [f"{timezone.localtime(free.starts_at):%H:%M}" for block in blocks for free in block.free_times]


def booking_links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/admin/appointments/appointment/add/\?[^"]+)"', html)]


# --- What each column shows --------------------------------------------------------------------------


def test_a_day_shows_visits_free_times_and_the_offices_lunch_hour_in_words(desk_client, visit_type, provider):
    monday = next_monday()
    visit = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10), first_name="Ana", last_name="Zeller")

    response = day_view(desk_client, monday)

    assert response.status_code == 200
    blocks = column(response, provider)
    assert described(blocks) == [
        "09:00–10:00 Free", f"10:00–10:30 {visit.reference}", "10:30–12:00 Free", "12:00–13:00 Office closed", "13:00–17:00 Free",
    ]
    assert free_times(blocks)[:4] == ["09:00", "09:15", "09:30", "10:30"]
    assert "09:45" not in free_times(blocks)  # a 30-minute visit at 09:45 would run into the 10:00 visit
    assert free_times(blocks)[-1] == "16:30"
    html = unescape(response.content.decode())
    assert "Zeller, Ana" in html and "Follow-up visit" in html and "In the office" in html and "Confirmed" in html
    assert f'href="/admin/appointments/appointment/{visit.pk}/change/"' in html


def test_each_status_is_written_out_and_cancelled_visits_leave_their_time_free(desk_client, visit_type, provider):
    monday = next_monday()
    make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 9), status=Appointment.Status.REQUESTED,
                     modality=Appointment.Modality.VIDEO)
    cancelled = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 11), status=Appointment.Status.CANCELLED)

    response = day_view(desk_client, monday)

    html = response.content.decode()
    assert "Requested (to confirm)" in html and "Video visit" in html
    assert cancelled.reference not in [b.appointment.reference for b in column(response, provider) if b.appointment]
    assert "11:00" in free_times(column(response, provider))


def test_time_off_and_hours_the_provider_does_not_work_are_shaded_and_labelled(desk_client, visit_type, provider):
    monday = next_monday()
    part_timer = make_provider(name="Paula Parttime")
    make_working_hours(part_timer, blocks=((time(13), time(17)),))
    visit_type.providers.add(part_timer)
    TimeOff.objects.create(provider=provider, starts_at=at(monday, 14), ends_at=at(monday, 16), note="Conference")

    response = day_view(desk_client, monday)

    assert described(column(response, provider)) == [
        "09:00–12:00 Free", "12:00–13:00 Office closed", "13:00–14:00 Free", "14:00–16:00 Time off", "16:00–17:00 Free",
    ]
    assert not {"14:00", "14:30", "15:45"} & set(free_times(column(response, provider)))
    assert described(column(response, part_timer)) == ["09:00–13:00 Not working", "13:00–17:00 Free"]
    html = response.content.decode()
    assert "Time off" in html and "Not working" in html and "Office closed" in html


def test_a_closure_shades_the_whole_day_with_its_name_and_offers_no_time(desk_client, visit_type, provider):
    monday = next_monday()
    make_holiday(label="Snow day", first_day=monday)
    booked = make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, 10))

    response = desk_client.get(CALENDAR_URL, {"date": monday.isoformat()})

    blocks = column(response, provider, monday)
    assert described(blocks) == ["09:00–17:00 Closed: Snow day", f"10:00–10:30 {booked.reference}"]
    assert free_times(blocks) == []
    assert free_times(column(response, provider, monday + timedelta(days=1)))  # the next day is open
    assert "Closed: Snow day" in response.content.decode()


def test_holiday_hours_that_open_part_of_the_day_name_the_holiday_where_the_office_is_closed(desk_client, visit_type, provider):
    monday = next_monday()
    make_holiday(label="Christmas Eve", first_day=monday, is_closed=False, opens=time(9), closes=time(12))

    response = day_view(desk_client, monday)

    assert described(column(response, provider)) == ["09:00–12:00 Free", "12:00–17:00 Office closed: Christmas Eve"]
    assert free_times(column(response, provider))[-1] == "11:30"


def test_a_provider_who_does_not_offer_the_visit_has_no_free_times_and_says_so(desk_client, visit_type, provider):
    monday = next_monday()
    outsider = make_provider(name="Olive Outsider")
    make_working_hours(outsider)

    response = day_view(desk_client, monday, visit=visit_type.slug)

    assert free_times(column(response, outsider)) == []
    assert free_times(column(response, provider))
    assert "Does not offer this visit." in response.content.decode()


def test_free_times_are_for_the_visit_chosen_by_slug_or_id_and_the_shortest_by_default(desk_client, visit_type, provider):
    monday = next_monday()
    long_visit = make_visit_type(providers=[provider], name="Long procedure", duration_minutes=120)

    shortest = day_view(desk_client, monday)
    by_slug = day_view(desk_client, monday, visit=long_visit.slug)
    by_id = day_view(desk_client, monday, visit=str(long_visit.pk))

    assert shortest.context["visit_type"] == visit_type
    assert "the shortest visit" in shortest.content.decode()
    assert free_times(column(shortest, provider))[-1] == "16:30"
    for response in (by_slug, by_id):
        assert response.context["visit_type"] == long_visit
        assert free_times(column(response, provider))[-1] == "15:00"
        assert f"visit_type={long_visit.pk}" in response.content.decode()


def test_the_provider_filter_shows_only_the_providers_chosen(desk_client, visit_type, provider, second_provider):
    monday = next_monday()

    everyone = day_view(desk_client, monday)
    one = day_view(desk_client, monday, provider=second_provider.pk)

    assert everyone.context["providers"] == [provider, second_provider]
    assert one.context["providers"] == [second_provider]
    assert [c.provider for c in one.context["days"][0][0].columns] == [second_provider]


def test_the_week_runs_monday_to_sunday_and_the_links_move_it(desk_client, visit_type, provider):
    wednesday = next_monday() + timedelta(days=2)

    response = desk_client.get(CALENDAR_URL, {"date": wednesday.isoformat()})

    days = [calendar_day.day for calendar_day, _ in response.context["days"]]
    assert days == [wednesday - timedelta(days=2) + timedelta(days=offset) for offset in range(7)]
    html = unescape(response.content.decode())
    assert f'href="?view=week&date={wednesday - timedelta(days=7)}"' in html
    assert f'href="?view=week&date={wednesday + timedelta(days=7)}"' in html
    assert f'href="?view=week&date={timezone.localdate()}"' in html
    assert f'href="?view=day&date={wednesday}"' in html
    day = day_view(desk_client, wednesday, provider=provider.pk)
    assert f'href="?view=day&date={wednesday + timedelta(days=1)}&provider={provider.pk}"' in unescape(day.content.decode())


def test_the_week_shows_the_first_free_times_of_each_stretch_and_links_to_the_day_for_the_rest(desk_client, visit_type, provider):
    monday = next_monday()

    response = desk_client.get(CALENDAR_URL, {"date": monday.isoformat(), "provider": provider.pk})

    html = unescape(response.content.decode())
    mondays = [link for link in booking_links(html) if f"starts_at={monday.isoformat()}T" in link]
    assert [link[-5:] for link in mondays] == ["09:00", "09:15", "09:30", "09:45", "13:00", "13:15", "13:30", "13:45"]
    # 09:00 to 11:30 is 11 start times (4 shown), 13:00 to 16:30 is 15 (4 shown).
    assert html.count(f'<a href="?view=day&date={monday}&provider={provider.pk}">7 more') == 1
    assert html.count(f'<a href="?view=day&date={monday}&provider={provider.pk}">11 more') == 1
    assert 'name="date" value="' + monday.isoformat() + '"' in html


def test_the_form_shows_this_week_when_the_address_names_no_date(desk_client, visit_type, provider):
    html = desk_client.get(CALENDAR_URL).content.decode()

    assert f'name="date" value="{timezone.localdate().isoformat()}"' in html
    assert '<option value="week" selected>' in html


def test_time_already_past_today_offers_nothing(desk_client, visit_type, provider):
    yesterday = timezone.localdate() - timedelta(days=1)
    make_working_hours(provider, weekdays=range(7))

    response = day_view(desk_client, yesterday)

    assert free_times(column(response, provider)) == []


# --- The days the clocks change ----------------------------------------------------------------------


def open_on_sunday_night(provider, opens=time(1), closes=time(4)):
    """The office and `provider` working 01:00–04:00 on Sundays, across the hours the clocks change."""
    OfficeHours.objects.create(practice=Practice.objects.get(), weekday=6, opens=opens, closes=closes)
    make_working_hours(provider, weekdays=[6], blocks=((opens, closes),))


def test_the_night_the_clocks_go_back_shows_visits_at_their_wall_clock_times(desk_client, visit_type, provider):
    change = date(2026, 11, 1)
    open_on_sunday_night(provider)
    visit = make_appointment(visit_type=visit_type, provider=provider, starts_at=at_wall_clock(change, time(3)))

    response = day_view(desk_client, change)

    assert described(column(response, provider)) == [f"03:00–03:30 {visit.reference}"]
    assert "03:00–03:30" in response.content.decode()


def test_the_next_night_the_clocks_go_back_offers_each_wall_clock_time_once(desk_client, visit_type, provider):
    change = date(2027, 11, 7)
    open_on_sunday_night(provider)

    response = day_view(desk_client, change)

    # 01:00–04:00 on the wall clock is four real hours: 1:00 to 2:00 happens twice, offered once.
    expected = [f"{hour:02}:{minute:02}" for hour in (1, 2, 3) for minute in (0, 15, 30, 45)][:-1]
    assert free_times(column(response, provider)) == expected
    assert described(column(response, provider)) == ["01:00–04:00 Free"]


def test_the_night_the_clocks_go_forward_skips_the_hour_that_does_not_exist(desk_client, visit_type, provider):
    change = date(2027, 3, 14)
    open_on_sunday_night(provider)
    visit = make_appointment(visit_type=visit_type, provider=provider, starts_at=at_wall_clock(change, time(3, 30)))

    response = day_view(desk_client, change)

    assert free_times(column(response, provider)) == ["01:00", "01:15", "01:30", "01:45", "03:00"]
    assert described(column(response, provider))[-1] == f"03:30–04:00 {visit.reference}"
    for link in booking_links(response.content.decode()):
        assert "T02:" not in link


# --- Booking from a free time ------------------------------------------------------------------------


def test_a_free_time_opens_the_booking_form_filled_in_and_books_the_visit(desk_client, visit_type, provider, second_provider):
    monday = next_monday()
    response = day_view(desk_client, monday)
    link = next(href for href in booking_links(response.content.decode())
                if f"provider={second_provider.pk}&" in href and "T14:15" in href)

    form_page = desk_client.get(link)

    assert form_page.status_code == 200
    form = form_page.context["adminform"].form
    html = form_page.content.decode()
    assert str(form["provider"].value()) == str(second_provider.pk)
    assert re.search(rf'<option value="{second_provider.pk}" selected>', html)
    assert re.search(rf'<option value="{visit_type.pk}" selected>', html)
    assert f'name="starts_at_0" value="{monday.isoformat()}"' in html
    assert 'name="starts_at_1" value="14:15:00"' in html

    booked = desk_client.post(link, {
        "provider": str(second_provider.pk), "visit_type": str(visit_type.pk), "modality": "in_office",
        "starts_at_0": monday.isoformat(), "starts_at_1": "14:15:00",
        "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": "rosalind.quigley@example.com", "consent_to_contact": "on",
        "coverage": "insurance", "insurance_plan_name": "Acme Health PPO",
    })

    assert booked.status_code == 302
    visit = Appointment.objects.get()
    assert (visit.provider, visit.starts_at, visit.status, visit.source) == (
        second_provider, at(monday, 14, 15), Appointment.Status.CONFIRMED, Appointment.Source.STAFF,
    )
    assert OutboxMessage.objects.filter(appointment=visit).exists()  # booked through booking.book_for_staff
    after = day_view(desk_client, monday)
    assert visit.reference in [b.appointment.reference for b in column(after, second_provider) if b.appointment]
    assert "14:15" not in free_times(column(after, second_provider))


@pytest.mark.parametrize("starts_at", ["garbage", "2026-13-40T10:00", "9999-12-31T23:59", "0001-01-01T00:00", "2027-03-14"])
def test_an_odd_time_in_the_booking_forms_address_is_left_out(desk_client, visit_type, provider, starts_at):
    response = desk_client.get(ADD_URL, {"provider": provider.pk, "starts_at": starts_at})

    assert response.status_code == 200
    assert response.context["adminform"].form["starts_at"].value() is None


def test_a_booking_link_carries_ids_and_a_time_only():
    dana = make_provider(name="Dana Whitfield")
    visit_type = make_visit_type(providers=[dana])
    starts_at = at(date(2027, 3, 14), 9, 30)

    link = calendar.booking_address(dana.pk, visit_type, "in_office", starts_at)

    assert link == f"{ADD_URL}?provider={dana.pk}&visit_type={visit_type.pk}&modality=in_office&starts_at=2027-03-14T09:30"
    assert calendar.starts_at_from_address("2027-03-14T09:30") == starts_at


# --- Odd addresses, and links to the calendar ---------------------------------------------------------


@pytest.mark.parametrize("params, field", [
    ({"date": "garbage"}, "Date"),
    ({"date": "99999-01-01"}, "Date"),
    ({"date": "9999-12-31"}, "Date"),
    ({"provider": "999999"}, "Providers"),
    ({"provider": "abc"}, "Providers"),
    ({"view": "x"}, "Show"),
    ({"visit": "nope"}, "Free times for"),
    ({"visit": "99999999999999999999"}, "Free times for"),
])
def test_an_odd_address_shows_the_calendar_with_a_message(desk_client, visit_type, provider, params, field):
    response = desk_client.get(CALENDAR_URL, params)

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Part of the address could not be used" in html and f"{field}:" in html
    assert response.context["days"]  # the default in its place: this week, everyone


def test_the_calendar_is_linked_from_the_list_the_day_schedule_and_the_start_page(desk_client, visit_type, provider):
    for url in ("/admin/appointments/appointment/", "/admin/appointments/appointment/day/", "/admin/"):
        assert CALENDAR_URL in desk_client.get(url).content.decode(), url


def test_the_calendar_page_uses_a_static_stylesheet_with_a_print_layout(desk_client, visit_type, provider):
    html = desk_client.get(CALENDAR_URL).content.decode()

    assert "/static/css/admin_calendar." in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script: the admin's CSP allows none
    stylesheet = (Path(settings.BASE_DIR) / "static/css/admin_calendar.css").read_text()
    printed = stylesheet[stylesheet.index("@media print"):]
    for left_out in (".calendar-choice", ".calendar-nav", "#nav-sidebar", ".calendar-free-times"):
        assert left_out in printed.split("{")[1], left_out  # the first rule of the print layout hides them


# --- A bounded number of queries ---------------------------------------------------------------------


def queries_for_a_week(client, monday) -> int:
    """Counted on the second opening: the first reads the practice's hours into the cache (new providers empty it)."""
    client.get(CALENDAR_URL, {"date": monday.isoformat()})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CALENDAR_URL, {"date": monday.isoformat()}).status_code == 200
    return len(queries)


def test_the_week_takes_the_same_number_of_queries_for_3_or_30_visits_and_more_providers(
    desk_client, visit_type, provider, second_provider, django_assert_max_num_queries,
):
    monday = next_monday()
    for hour in (9, 10, 11):
        make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday, hour))
    few = queries_for_a_week(desk_client, monday)

    for offset in range(5):
        for hour in (13, 14, 15, 16):
            make_appointment(visit_type=visit_type, provider=second_provider, starts_at=at(monday + timedelta(days=offset), hour))
    for _ in range(5):
        extra = make_provider()
        make_working_hours(extra)
        visit_type.providers.add(extra)
        make_appointment(visit_type=visit_type, provider=extra, starts_at=at(monday, 10))
    for hour in (9, 10):
        make_appointment(visit_type=visit_type, provider=provider, starts_at=at(monday + timedelta(days=1), hour))
    assert Appointment.objects.count() == 30
    many = queries_for_a_week(desk_client, monday)

    assert few == many
    # 15 to read it all, one to know whether the user is a clinician (who sees their own column only,
    # appointments.clinicians), and the two INSERTs of the audit trail (appointments.audit.record_list_view).
    with django_assert_max_num_queries(18):
        desk_client.get(CALENDAR_URL, {"date": monday.isoformat()})


# --- The column logic alone, without a database ------------------------------------------------------


def test_a_column_shades_what_is_not_bookable_without_a_database():
    day = date(2027, 3, 15)
    practice = PracticeHours({0: (TimeBlock(time(9), time(12)), TimeBlock(time(13), time(17)))})
    schedule = ProviderSchedule(1, {0: (TimeBlock(time(10), time(16)),)}, time_off=((at(day, 14), at(day, 15)),))
    window = calendar.visible_hours(day, practice, [schedule])

    blocks = calendar.build_column(day, practice, schedule, [], [], window, lambda slot: "", now=at(day, 0))

    assert described(blocks) == [
        "09:00–10:00 Not working", "12:00–13:00 Office closed", "14:00–15:00 Time off", "16:00–17:00 Not working",
    ]

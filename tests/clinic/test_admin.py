import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import Announcement, HolidayHours, OfficeHours
from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import make_announcement, make_practice, make_staff
from tests.pages import form_errors

pytestmark = pytest.mark.django_db


def announcement_form(**overrides):
    now = timezone.localtime()
    data = {
        "title": "Snow closure",
        "slug": "snow-closure",
        "kind": "general",
        "priority": "10",
        "is_published": "on",
        "message": "Closed today because of snow.",
        "body": "",
        "link_url": "",
        "link_text": "",
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": now.strftime("%H:%M:%S"),
        "ends_at_0": "",
        "ends_at_1": "",
    }
    data.update(overrides)
    return data


def test_an_editor_posts_an_announcement_that_goes_live(editor_client):
    response = editor_client.post("/admin/clinic/announcement/add/", announcement_form())
    assert response.status_code == 302
    assert Announcement.objects.live().get().slug == "snow-closure"
    assert b"Closed today because of snow." in editor_client.get("/").content


def test_an_announcement_ending_before_it_starts_is_refused_with_everything_kept(editor_client):
    today = timezone.localdate()
    response = editor_client.post(
        "/admin/clinic/announcement/add/",
        announcement_form(ends_at_0=(today - timedelta(days=1)).isoformat(), ends_at_1="10:00:00"),
    )
    assert response.status_code == 200
    assert form_errors(response).get("ends_at") == ["“Show until” must be after “Show from”."]
    assert response.context["adminform"].form["message"].value() == "Closed today because of snow."
    assert not Announcement.objects.exists()


def holiday_form(**overrides):
    data = {"label": "Staff day", "first_day": (timezone.localdate() + timedelta(days=3)).isoformat(), "last_day": "", "is_closed": "on", "opens": "", "closes": "", "note": ""}
    data.update(overrides)
    return data


def test_a_single_day_holiday_gets_its_last_day_filled_in(editor_client):
    response = editor_client.post("/admin/clinic/holidayhours/add/", holiday_form())
    assert response.status_code == 302
    holiday = HolidayHours.objects.get()
    assert holiday.last_day == holiday.first_day


def test_special_hours_closing_before_opening_are_refused(editor_client):
    response = editor_client.post("/admin/clinic/holidayhours/add/", holiday_form(is_closed="", opens="14:00", closes="09:00"))
    assert response.status_code == 200
    assert form_errors(response).get("closes") == ["Closing time must be after the opening time."]
    assert not HolidayHours.objects.exists()


def test_special_hours_need_both_times(editor_client):
    response = editor_client.post("/admin/clinic/holidayhours/add/", holiday_form(is_closed="", opens="09:00"))
    assert form_errors(response).get("closes") == ["Enter the special closing time, or tick “closed all day”."]
    assert not HolidayHours.objects.exists()


def test_a_last_day_before_the_first_is_refused(editor_client):
    first = timezone.localdate() + timedelta(days=5)
    response = editor_client.post(
        "/admin/clinic/holidayhours/add/", holiday_form(first_day=first.isoformat(), last_day=(first - timedelta(days=1)).isoformat())
    )
    assert form_errors(response).get("last_day") == ["The last day cannot be before the first day."]
    assert not HolidayHours.objects.exists()


def test_overlapping_holiday_dates_are_refused(editor_client):
    first = timezone.localdate() + timedelta(days=5)
    editor_client.post("/admin/clinic/holidayhours/add/", holiday_form(label="Winter break", first_day=first.isoformat(), last_day=(first + timedelta(days=4)).isoformat()))
    response = editor_client.post("/admin/clinic/holidayhours/add/", holiday_form(first_day=(first + timedelta(days=2)).isoformat()))
    assert response.status_code == 200
    assert "overlap" in form_errors(response).get("first_day")[0]
    assert HolidayHours.objects.count() == 1


def practice_form(practice, blocks):
    data = {
        "name": practice.name, "specialties": practice.specialties, "phone": "(301) 555-0142", "email": practice.email,
        "street_address": practice.street_address, "city": practice.city, "state": "md", "postal_code": practice.postal_code,
        "directions_url": practice.directions_url, "brand_colour": practice.brand_colour,
        "office_hours-TOTAL_FORMS": str(len(blocks)), "office_hours-INITIAL_FORMS": "0",
        "office_hours-MIN_NUM_FORMS": "0", "office_hours-MAX_NUM_FORMS": "1000",
    }
    for index, (weekday, opens, closes) in enumerate(blocks):
        data.update({f"office_hours-{index}-weekday": str(weekday), f"office_hours-{index}-opens": opens, f"office_hours-{index}-closes": closes})
    return data


def test_office_hours_with_a_lunch_break_are_saved(editor_client):
    practice = make_practice()
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", practice_form(practice, [(0, "08:30", "12:30"), (0, "13:30", "17:00")]))
    assert response.status_code == 302
    assert OfficeHours.objects.filter(weekday=0).count() == 2
    practice.refresh_from_db()
    assert practice.phone == "+13015550142" and practice.state == "MD"


def test_an_unreadable_brand_colour_is_refused_next_to_the_field_keeping_what_was_typed(editor_client):
    practice = make_practice()
    data = {**practice_form(practice, []), "brand_colour": "#ffcc00", "name": "Renamed practice"}
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "WCAG AA needs 4.5:1" in errors["brand_colour"][0]
    assert 'value="#ffcc00"' in response.content.decode() and 'value="Renamed practice"' in response.content.decode()
    practice.refresh_from_db()
    assert practice.brand_colour == "#0b5670" and practice.name != "Renamed practice"


@pytest.mark.parametrize("pasted", [" #0B5670 ", "0b5670", "#0b5670\t"])
def test_a_brand_colour_is_taken_as_people_paste_it(editor_client, pasted):
    practice = make_practice(brand_colour="#1d4e89")
    page = editor_client.get(f"/admin/clinic/practice/{practice.pk}/change/").content.decode()
    box = re.search(r'<input[^>]*name="brand_colour"[^>]*>', page).group(0)
    assert 'maxlength="20"' in box  # room for a pasted space: the browser never cuts the last digit off
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", {**practice_form(practice, []), "brand_colour": pasted})
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.brand_colour == "#0b5670"


@pytest.mark.parametrize("typed", ["#0b567", "teal", "#0b5670ff"])
def test_a_brand_colour_that_is_not_one_is_refused_as_typed(editor_client, typed):
    practice = make_practice()
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", {**practice_form(practice, []), "brand_colour": typed})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["brand_colour"]
    assert f'value="{typed}"' in response.content.decode()


def test_overlapping_office_hours_are_refused_with_a_clear_message(editor_client):
    practice = make_practice()
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", practice_form(practice, [(0, "08:30", "12:30"), (0, "12:00", "17:00")]))
    assert response.status_code == 200
    assert "Monday has overlapping hours" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not OfficeHours.objects.exists()


def test_office_hours_closing_before_opening_are_refused(editor_client):
    practice = make_practice()
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", practice_form(practice, [(1, "17:00", "09:00")]))
    assert response.status_code == 200
    assert b"Closing time must be after the opening time." in response.content
    assert not OfficeHours.objects.exists()


def test_a_bad_practice_phone_number_is_refused(editor_client):
    practice = make_practice()
    data = practice_form(practice, [])
    data["phone"] = "555"
    response = editor_client.post(f"/admin/clinic/practice/{practice.pk}/change/", data)
    assert form_errors(response).get("phone") == ["Enter a full phone number with area code, for example (301) 555-0142."]


def test_the_announcement_list_says_which_are_live_now(editor_client):
    now = timezone.now()
    make_announcement(title="Live one")
    make_announcement(title="Future one", starts_at=now + timedelta(days=1))
    html = editor_client.get("/admin/clinic/announcement/").content.decode()
    assert "<strong>Live now</strong>" in html and "Scheduled" in html
    live_only = editor_client.get("/admin/clinic/announcement/?status=live").content.decode()
    assert "Live one" in live_only and "Future one" not in live_only


def test_the_practice_list_opens_the_one_practice(editor_client):
    practice = make_practice()
    response = editor_client.get("/admin/clinic/practice/")
    assert response.status_code == 302 and response["Location"].endswith(f"/admin/clinic/practice/{practice.pk}/change/")


@pytest.mark.parametrize(
    "url, editor_status, front_desk_status",
    [
        ("/admin/clinic/announcement/add/", 200, 403),
        ("/admin/clinic/holidayhours/add/", 200, 200),  # the front desk posts closures (issue 14)
        ("/admin/clinic/announcement/", 200, 200),  # the front desk may read notices
        ("/admin/auth/user/", 403, 403),
    ],
)
def test_staff_groups_get_what_their_role_needs(client, url, editor_status, front_desk_status):
    make_practice()
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    assert client.get(url).status_code == editor_status
    client.force_login(make_staff("desk", group=FRONT_DESK))
    assert client.get(url).status_code == front_desk_status


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get("/admin/clinic/announcement/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_every_model_field_has_help_text():
    from clinic.models import Announcement, HolidayHours, OfficeHours, Practice

    for model in (Practice, OfficeHours, HolidayHours, Announcement):
        for field in model._meta.get_fields():
            if getattr(field, "editable", False) and not field.auto_created and field.name not in {"practice"}:
                assert field.help_text, f"{model.__name__}.{field.name}"

"""Two-step sign-in for staff (clinic.two_factor, clinic.admin_site): with STAFF_TWO_FACTOR_REQUIRED
on, a password alone opens no admin page; staff enrol an authenticator app the first time (QR code
drawn on the page, a code to confirm it, recovery codes shown once), and afterwards give a code from
it or a recovery code, which works once. Wrong codes make the next try wait."""

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.roles import CONTENT_EDITORS, FRONT_DESK
from tests.factories import PASSWORD, code_from_app, make_appointment, make_authenticator, make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
VERIFY = "/admin/two-factor/"
ENROL = "/admin/two-factor/enrol/"
RECOVERY_CODES = "/admin/two-factor/recovery-codes/"
APPOINTMENTS = "/admin/appointments/appointment/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


@pytest.fixture
def desk():
    return make_staff("desk", group=FRONT_DESK)


def sign_in_with_password(client, username="desk", next_url="/admin/"):
    return client.post(f"{LOGIN}?next={next_url}", {"username": username, "password": PASSWORD, "next": next_url})


def enrol(client, user):
    """The whole first sign-in: password, the enrolment page, a code from the app; returns the recovery codes."""
    sign_in_with_password(client, user.username)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    client.post(ENROL, {"code": code_from_app(device), "next": "/admin/"})
    response = client.get(RECOVERY_CODES)
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def opens(client, url):
    return client.get(url).status_code == 200


# --- A password alone ---------------------------------------------------------------------------


def test_a_password_alone_opens_no_admin_page(client, desk):
    make_authenticator(desk)
    response = sign_in_with_password(client)
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    for url in ("/admin/", APPOINTMENTS, f"{APPOINTMENTS}{make_appointment().pk}/change/", "/admin/appointments/appointment/day/"):
        response = client.get(url)
        assert response.status_code == 302 and not opens(client, url), url


def test_content_editors_need_the_second_step_too(client):
    make_staff("editor", group=CONTENT_EDITORS)
    response = sign_in_with_password(client, "editor")
    assert response["Location"].startswith(ENROL)
    assert not opens(client, "/admin/")


def test_the_sign_in_page_sends_a_half_signed_in_member_of_staff_on_to_the_second_step(client, desk):
    make_authenticator(desk)
    sign_in_with_password(client)
    response = client.get(f"{LOGIN}?next={APPOINTMENTS}")
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fappointments%2Fappointment%2F"


def test_the_second_step_is_only_for_someone_who_gave_the_password(client, desk):
    make_authenticator(desk)
    for url in (VERIFY, ENROL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == LOGIN
        response = client.post(url, {"code": "123456"})
        assert response.status_code == 302 and response["Location"] == LOGIN


# --- Enrolment ----------------------------------------------------------------------------------


def test_the_first_sign_in_enrols_an_authenticator_app(client, desk):
    response = sign_in_with_password(client, next_url=APPOINTMENTS)
    assert response["Location"] == f"{ENROL}?next=%2Fadmin%2Fappointments%2Fappointment%2F"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert html.count("<h1") == 1  # the admin's own heading, said once
    device = TOTPDevice.objects.get(user=desk, confirmed=False)
    assert "<svg" in html and 'aria-label="QR code for your authenticator app"' in html
    secret = page.context["secret"]
    assert secret.replace(" ", "") in html.replace(" ", "")
    # Seeing the page again shows the same secret: a code already scanned stays good.
    assert client.get(ENROL).context["secret"] == secret and TOTPDevice.objects.filter(user=desk).count() == 1

    wrong = client.post(ENROL, {"code": "000000", "next": APPOINTMENTS})
    assert "That code did not work" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # the next try comes after the wait
    response = client.post(ENROL, {"code": code_from_app(device), "next": APPOINTMENTS})
    assert response.status_code == 302 and response["Location"].startswith(RECOVERY_CODES)

    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response["Location"])
    assert page.content.decode().count("<h1") == 1
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=desk).values_list("token", flat=True))
    assert f'href="{APPOINTMENTS}"' in page.content.decode()
    # Shown once.
    assert client.get(RECOVERY_CODES).status_code == 302
    assert opens(client, APPOINTMENTS)


def test_the_enrolment_page_loads_nothing_from_elsewhere_and_needs_no_inline_code(client, desk):
    sign_in_with_password(client)
    response = client.get(ENROL)
    html = response.content.decode()
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy


def test_a_code_cannot_enrol_an_app_for_someone_already_enrolled(client, desk):
    device = make_authenticator(desk)
    sign_in_with_password(client)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=desk)) == [device]


# --- Later sign-ins -----------------------------------------------------------------------------


def test_later_sign_ins_take_a_code_from_the_app(client, desk):
    device = make_authenticator(desk)
    sign_in_with_password(client, next_url=APPOINTMENTS)
    response = client.post(f"{VERIFY}?next={APPOINTMENTS}", {"code": code_from_app(device), "next": APPOINTMENTS})
    assert response.status_code == 302 and response["Location"] == APPOINTMENTS
    assert opens(client, APPOINTMENTS)


def test_the_code_gives_the_session_a_new_key(client, desk):
    device = make_authenticator(desk)
    sign_in_with_password(client)
    key_after_password = client.session.session_key
    client.post(VERIFY, {"code": code_from_app(device)})
    assert client.session.session_key != key_after_password and opens(client, "/admin/")


def test_a_code_is_accepted_once(client, desk):
    device = make_authenticator(desk)
    code = code_from_app(device)
    sign_in_with_password(client)
    assert client.post(VERIFY, {"code": code})["Location"] == "/admin/"
    client.logout()
    sign_in_with_password(client)
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert not opens(client, "/admin/")


def test_a_recovery_code_works_once(client, desk):
    codes = enrol(client, desk)
    client.logout()
    sign_in_with_password(client)
    response = client.post(VERIFY, {"code": codes[3].upper()[:4] + "-" + codes[3][4:]})  # typed as staff might
    assert response.status_code == 302 and opens(client, "/admin/")
    client.logout()
    sign_in_with_password(client)
    response = client.post(VERIFY, {"code": codes[3]})
    assert "That code did not work" in response.content.decode() and not opens(client, "/admin/")
    assert StaticToken.objects.filter(device__user=desk).count() == 9


def test_somewhere_else_the_code_leads_only_to_the_admin(client, desk):
    device = make_authenticator(desk)
    sign_in_with_password(client)
    response = client.post(f"{VERIFY}?next=https://evil.example/", {"code": code_from_app(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_a_half_signed_in_member_of_staff_can_sign_out(client, desk):
    make_authenticator(desk)
    sign_in_with_password(client)
    response = client.post("/admin/two-factor/cancel/")
    assert response["Location"] == LOGIN and "_auth_user_id" not in client.session


# --- Throttling ---------------------------------------------------------------------------------


def test_wrong_codes_make_even_the_right_one_wait(client, desk):
    device = make_authenticator(desk)
    sign_in_with_password(client)
    for guess in range(8):
        client.post(VERIFY, {"code": f"{guess:06d}"})
    response = client.post(VERIFY, {"code": code_from_app(device)})
    assert response.status_code == 200 and "Please wait" in response.content.decode()
    assert not opens(client, "/admin/")
    # Once the wait (2 ** 7 seconds after the eighth wrong code) is over, the right code works.
    device.refresh_from_db()
    device.throttling_failure_timestamp -= timedelta(seconds=2**7 + 1)
    device.save()
    response = client.post(VERIFY, {"code": code_from_app(device)})
    assert response.status_code == 302 and opens(client, "/admin/")


def test_the_wait_holds_in_a_new_session_from_another_address(client, desk, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    device = make_authenticator(desk)
    sign_in_with_password(client)
    for guess in range(8):
        client.post(VERIFY, {"code": f"{guess:06d}"})
    client.logout()
    client.post(f"{LOGIN}?next=/admin/", {"username": "desk", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.9")
    response = client.post(VERIFY, {"code": code_from_app(device)}, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert "Please wait" in response.content.decode() and not opens(client, "/admin/")


def test_no_code_and_no_password_is_logged(client, desk, caplog):
    device = make_authenticator(desk)
    code = code_from_app(device)
    with caplog.at_level(logging.DEBUG):
        sign_in_with_password(client)
        client.post(VERIFY, {"code": "987654"})
        device.refresh_from_db()
        device.throttle_reset()
        client.post(VERIFY, {"code": code})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in logged and "987654" not in logged and PASSWORD not in logged


# --- Resetting a lost phone ---------------------------------------------------------------------


def test_a_superuser_resets_a_lost_phone_and_the_next_sign_in_enrols_again(client, desk):
    enrol(client, desk)
    client.logout()
    client.force_login(make_staff("boss", superuser=True))
    device = TOTPDevice.objects.get(user=desk)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=desk).exists()
    recovery = StaticDevice.objects.get(user=desk)
    client.post(f"/admin/otp_static/staticdevice/{recovery.pk}/delete/", {"post": "yes"})
    client.logout()
    assert sign_in_with_password(client)["Location"].startswith(ENROL)


def test_the_front_desk_cannot_see_or_reset_anyones_devices(client, desk):
    device = make_authenticator(make_staff("other", group=FRONT_DESK))
    client.force_login(desk)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403
    assert client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# --- When it is off -----------------------------------------------------------------------------


def test_with_the_setting_off_a_password_opens_the_admin(client, desk, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = False
    response = sign_in_with_password(client, next_url=APPOINTMENTS)
    assert response["Location"] == APPOINTMENTS and opens(client, APPOINTMENTS)


def test_only_the_demo_of_make_run_turns_it_off():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    environments = dict(re.findall(r"^(\w+_ENV) := (.*?)(?<!\\)$", makefile, re.M | re.S))
    assert "STAFF_TWO_FACTOR_REQUIRED=0" in environments["DEV_ENV"]
    assert "STAFF_TWO_FACTOR_REQUIRED" not in environments["SERVE_ENV"] + environments["TEST_ENV"]


def test_check_deploy_warns_when_it_is_off(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = False
    assert "clinic.W004" in [message.id for message in run_checks(include_deployment_checks=True)]
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    assert "clinic.W004" not in [message.id for message in run_checks(include_deployment_checks=True)]

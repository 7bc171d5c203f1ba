"""Good faith estimates (45 CFR 149.610) from booking to the patient: a self-pay booking
creates one due on time (given a clock, a holiday in between), sent through the outbox with
its delivery recorded, shown behind the patient's own link only; the front desk sees those
waiting and sends them; a snapshot that prices changed later do not touch; a cancel
withdraws and a move revises."""

import re
from html import unescape
from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments import booking, estimates, notifications
from appointments.coverage import CoverageAnswer
from appointments.estimates import EstimateRefused
from appointments.models import Appointment, EstimateItem, GoodFaithEstimate, OutboxMessage
from clinic.hours import day_window
from clinic.models import Practice
from clinic.validators import validate_npi
from tests.factories import at, deliver_outbox, make_estimate_item, make_holiday, make_insurance_plan, next_monday

pytestmark = pytest.mark.django_db

ESTIMATES = "/admin/appointments/goodfaithestimate/"


@pytest.fixture(autouse=True)
def mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://clinic.test"
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"


@pytest.fixture
def dry_needling(visit_type):
    """The follow-up visit with its expected items: dry needling of 3 or more muscles, $95."""
    make_estimate_item(visit_type)
    return visit_type


def patient(coverage=Appointment.Coverage.UNINSURED, **overrides):
    fields = {
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": date(1958, 3, 27), "phone": "+13015550177",
        "email": "robin@example.com", "is_new_patient": False, "reason": "", "consent_to_contact": True, "coverage": coverage,
    }
    fields.update(overrides)
    return fields


# A Monday two weeks out is the day of booking; the Tuesday after it is a holiday.
def booking_day() -> date:
    return next_monday() + timedelta(days=14)


def book_by_phone(provider, visit_type, *, visit_day, now, coverage=Appointment.Coverage.UNINSURED):
    return booking.book_for_staff(
        provider=provider, visit_type=visit_type, modality=Appointment.Modality.IN_OFFICE, starts_at=at(visit_day, 10),
        patient=patient(coverage), now=now,
    )


def link_in(body: str) -> str:
    return re.search(r"https://clinic\.test(/\S+)", body).group(1)


# --- A self-pay booking ------------------------------------------------------------------


def test_a_self_pay_booking_creates_an_estimate_due_3_business_days_later_skipping_the_holiday(practice, provider, dry_needling):
    monday = booking_day()
    make_holiday(first_day=monday + timedelta(days=1), label="Closed for the day")
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=21), now=at(monday, 10))

    estimate = GoodFaithEstimate.objects.get(appointment=booked.appointment)
    # At least 10 business days away: within 3 business days, the holiday not counted (Wed, Thu, Fri).
    assert estimate.due_at == day_window(monday + timedelta(days=4))[1]
    assert estimate.source == GoodFaithEstimate.Source.BOOKING
    assert (estimate.first_name, estimate.date_of_birth, estimate.email) == ("Robin", date(1958, 3, 27), "robin@example.com")
    assert estimate.service_starts_at == at(monday + timedelta(days=21), 10)


def test_insured_patients_get_no_estimate(practice, provider, dry_needling):
    monday = booking_day()
    book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10), coverage=Appointment.Coverage.INSURANCE)
    assert not GoodFaithEstimate.objects.exists()


def test_an_estimate_with_items_is_sent_at_once_through_the_outbox_and_its_delivery_recorded(practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.status == GoodFaithEstimate.Status.SENT and estimate.issued_at == at(monday, 10)
    assert estimate.message.kind == notifications.PATIENT_ESTIMATE
    assert estimate.message.status == OutboxMessage.Status.PENDING and estimate.delivered_at is None

    sent = [email for email in deliver_outbox() if "good faith estimate" in email.subject]

    estimate.refresh_from_db()
    assert estimate.message.status == OutboxMessage.Status.SENT
    assert estimate.delivered_at == estimate.message.sent_at is not None
    [email] = sent
    assert email.to == ["robin@example.com"]
    assert link_in(email.body) == f"/appointments/manage/{booked.manage_token}/estimate/"
    # The email says where to read it, not what it says: no date of birth, no charges.
    assert "1958" not in email.body and "95" not in email.body
    assert "[[" not in estimate.message.body.replace("[[estimate-link]]", "")  # only the link is filled in on sending


def test_the_estimate_page_has_what_the_federal_template_asks_for(client, practice, provider, dry_needling):
    provider.npi = "1000000004"
    provider.save()
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))

    response = client.get(f"/appointments/manage/{booked.manage_token}/estimate/")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    estimate = GoodFaithEstimate.objects.get()
    for expected in [
        estimate.reference, "Robin Selfpay", "March 27, 1958",  # the patient
        "Follow-up visit", (monday + timedelta(days=7)).strftime("%B %-d, %Y"),  # the service and its date
        "1234567893", "00-0000000", "Dana Whitfield, MD", "1000000004", "1 Test Street",  # who provides it
        "CPT 20561", "Dry needling, 3 or more muscles", "$95.00",  # the items
        "not a contract", "$400 or more", "120 calendar days", "dispute resolution",  # the disclaimers
    ]:
        assert expected in html, expected
    assert ".estimate-document{max-width:none" in html  # its print styles, in the inlined stylesheet


def test_the_estimate_page_is_reachable_only_through_the_patients_link(client, practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    token = booked.manage_token
    nonce, signature = token.split(".")

    assert client.get(f"/appointments/manage/{token}/estimate/").status_code == 200
    for wrong in [f"{nonce}.{signature[:-2]}xx", nonce, "x" * 200, GoodFaithEstimate.objects.get().reference]:
        assert client.get(f"/appointments/manage/{wrong}/estimate/").status_code == 404
    booking.send_new_manage_link(booked.appointment)  # the old link stops working
    assert client.get(f"/appointments/manage/{token}/estimate/").status_code == 404


def test_a_visit_without_an_estimate_has_no_estimate_page(client, practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10), coverage="insurance")
    assert client.get(f"/appointments/manage/{booked.manage_token}/").status_code == 200
    response = client.get(f"/appointments/manage/{booked.manage_token}/estimate/")
    assert response.status_code == 404
    assert "recorded as paid by your insurance plan" in response.content.decode()  # said, not a bare "not found"


def test_the_manage_page_links_to_the_estimate(client, practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    html = client.get(f"/appointments/manage/{booked.manage_token}/").content.decode()
    assert f'href="/appointments/manage/{booked.manage_token}/estimate/"' in html


def test_an_issued_estimate_keeps_its_charges_when_prices_change_later(client, practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    EstimateItem.objects.update(charge=Decimal("140.00"), description="Something else")
    make_estimate_item(dry_needling, code="20560", charge="60.00")
    Practice.objects.update(tax_id="11-1111111")

    estimate = GoodFaithEstimate.objects.get()
    assert estimate.total == Decimal("95.00")
    assert [(item["code"], item["charge"]) for item in estimate.items] == [("20561", "95.00")]
    html = client.get(f"/appointments/manage/{booked.manage_token}/estimate/").content.decode()
    assert "$95.00" in html and "$140" not in html and "20560" not in html and "00-0000000" in html


# --- Changes to the visit ----------------------------------------------------------------------


def test_cancelling_the_visit_withdraws_its_estimate(client, practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))

    booking.cancel(booked.appointment, by_patient=False, now=at(monday, 11))

    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.WITHDRAWN
    response = client.get(f"/appointments/manage/{booked.manage_token}/estimate/")
    assert response.status_code == 404 and "This visit was cancelled" in response.content.decode()


def test_moving_the_visit_issues_a_revised_estimate_for_the_new_date(practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    first = GoodFaithEstimate.objects.get()

    booking.move(booked.appointment, starts_at=at(monday + timedelta(days=8), 14), by_patient=False, now=at(monday, 12))

    first.refresh_from_db()
    revised = GoodFaithEstimate.objects.exclude(pk=first.pk).get()
    assert first.status == GoodFaithEstimate.Status.SUPERSEDED
    assert revised.status == GoodFaithEstimate.Status.SENT and revised.supersedes == first
    assert revised.service_starts_at == at(monday + timedelta(days=8), 14)
    assert estimates.current_for(booked.appointment) == revised
    assert "revised good faith estimate" in revised.message.body


def test_moving_a_visit_whose_estimate_waits_updates_its_date(practice, provider, visit_type):
    monday = booking_day()
    booked = book_by_phone(provider, visit_type, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    booking.move(booked.appointment, starts_at=at(monday + timedelta(days=9), 14), by_patient=False, now=at(monday, 12))
    [estimate] = GoodFaithEstimate.objects.all()
    assert estimate.status == GoodFaithEstimate.Status.TO_PREPARE
    assert estimate.service_starts_at == at(monday + timedelta(days=9), 14)


def test_a_change_of_coverage_by_staff_creates_or_withdraws_the_estimate(practice, provider, dry_needling):
    monday = booking_day()
    booked = book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10), coverage="insurance")
    assert not GoodFaithEstimate.objects.exists()

    booking.change_coverage(booked.appointment, CoverageAnswer(Appointment.Coverage.INSURED_PAYING_SELF), now=at(monday, 11))
    [estimate] = GoodFaithEstimate.objects.all()
    assert estimate.status == GoodFaithEstimate.Status.SENT and estimate.coverage == "insured_self_pay"
    assert estimate.due_at == day_window(monday + timedelta(days=1))[1]

    booking.change_coverage(booked.appointment, CoverageAnswer(Appointment.Coverage.INSURANCE, plan_name="Acme Health PPO",
                                                               not_listed=True), now=at(monday, 12))
    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.WITHDRAWN
    assert Appointment.objects.get().insurance_plan_name == "Acme Health PPO"


def payment_change(appointment, **payment) -> dict:
    """The appointment's change form as the admin shows it, with the payment answer changed."""
    local = timezone.localtime(appointment.starts_at)
    return {
        "provider": str(appointment.provider_id), "visit_type": str(appointment.visit_type_id), "modality": appointment.modality,
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"),
        "coverage": "", "insurance_plan": "", "insurance_plan_name": "", **payment,
    }


def test_the_front_desk_records_that_a_patient_will_pay_themselves_and_the_estimate_is_made(desk_client, practice, provider,
                                                                                             dry_needling):
    appointment = book_by_phone(provider, dry_needling, visit_day=next_monday() + timedelta(days=14), now=timezone.now(),
                                coverage="insurance").appointment
    url = f"/admin/appointments/appointment/{appointment.pk}/change/"

    response = desk_client.post(url, payment_change(appointment, coverage="uninsured"), follow=True)

    appointment.refresh_from_db()
    assert appointment.coverage == Appointment.Coverage.UNINSURED
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.status == GoodFaithEstimate.Status.SENT
    assert f"its good faith estimate {estimate.reference} was emailed to the patient" in response.content.decode()

    back = desk_client.post(url, payment_change(appointment, coverage="insurance", insurance_plan_name="Acme Health PPO"), follow=True)

    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.WITHDRAWN
    assert f"its good faith estimate {estimate.reference} is withdrawn" in back.content.decode()


def test_the_front_desk_is_told_when_the_plan_is_not_taken_and_nothing_changes(desk_client, practice, provider, dry_needling):
    appointment = book_by_phone(provider, dry_needling, visit_day=next_monday() + timedelta(days=14), now=timezone.now()).appointment
    plan = make_insurance_plan(payer="Tricare", plan_name="Select", is_taken=False)
    url = f"/admin/appointments/appointment/{appointment.pk}/change/"

    blank = desk_client.post(url, payment_change(appointment))
    refused = desk_client.post(url, payment_change(appointment, coverage="insurance", insurance_plan=str(plan.pk)))

    assert blank.status_code == 200 and "cannot go back to" in blank.content.decode()
    assert refused.status_code == 200 and "We do not take Tricare — Select" in unescape(refused.content.decode())
    appointment.refresh_from_db()
    assert appointment.coverage == Appointment.Coverage.UNINSURED and appointment.insurance_plan is None
    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.SENT


# --- The front desk ------------------------------------------------------------------------------


def test_an_estimate_without_items_waits_for_the_front_desk_who_sees_it_overdue_and_sends_it(desk_client, practice, provider, visit_type):
    # Booked ten days ago by the clock of the booking, for a visit a few days from now: overdue now.
    past_monday = next_monday() - timedelta(days=14)
    booked = book_by_phone(provider, visit_type, visit_day=next_monday() + timedelta(days=2), now=at(past_monday, 10))
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.status == GoodFaithEstimate.Status.TO_PREPARE and estimate.message is None

    home = desk_client.get("/admin/").content.decode()
    assert "1 good faith estimate overdue" in home
    overdue = desk_client.get(f"{ESTIMATES}?due=overdue").content.decode()
    assert estimate.reference in overdue and "overdue" in overdue
    assert estimate.reference not in desk_client.get(f"{ESTIMATES}?due=sent").content.decode()

    # Sending before the visit type has its items is refused, with what to do.
    response = desk_client.post(ESTIMATES, {"action": "send_now", ACTION_CHECKBOX_NAME: [estimate.pk], "index": "0"}, follow=True)
    assert "Add the expected items" in response.content.decode()
    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.TO_PREPARE

    make_estimate_item(visit_type, code="99213", description="Office visit", charge="120.00")
    desk_client.post(ESTIMATES, {"action": "send_now", ACTION_CHECKBOX_NAME: [estimate.pk], "index": "0"})

    estimate.refresh_from_db()
    assert estimate.status == GoodFaithEstimate.Status.SENT and estimate.total == Decimal("120.00")
    [email] = [email for email in deliver_outbox() if "good faith estimate" in email.subject]
    assert link_in(email.body) == f"/appointments/manage/{booked.manage_token}/estimate/"
    estimate.refresh_from_db()
    assert estimate.delivered_at is not None
    assert "overdue" not in desk_client.get("/admin/").content.decode()


def test_an_estimate_due_today_is_announced_on_the_admin_home(desk_client, practice, provider, visit_type):
    estimate = estimates.create_for_request({
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": date(1958, 3, 27), "email": "robin@example.com",
        "phone": "", "visit_type": visit_type, "expected_date": None, "coverage": Appointment.Coverage.UNINSURED,
    })
    GoodFaithEstimate.objects.filter(pk=estimate.pk).update(due_at=day_window(date.today() + timedelta(days=1))[0])
    assert "1 good faith estimate due by the end of today" in desk_client.get("/admin/").content.decode()


def test_the_audit_trail_records_estimates_without_patient_values(practice, provider, visit_type):
    monday = booking_day()
    book_by_phone(provider, visit_type, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    entries = LogEntry.objects.get_for_object(GoodFaithEstimate.objects.get())
    assert entries.exists()
    logged = " ".join(str(entry.changes) for entry in entries)
    assert "Robin" not in logged and "1958" not in logged and "robin@example.com" not in logged


# --- Rules on the data ----------------------------------------------------------------------------


@pytest.mark.parametrize("npi", ["1234567893", "1000000004"])
def test_a_valid_npi_is_accepted(npi):
    validate_npi(npi)


@pytest.mark.parametrize("npi, message", [
    ("1234567890", "last digit does not match"),
    ("123456789", "10 digits"),
    ("12345678a3", "10 digits"),
    ("１２３４５６７８９３", "10 digits"),
])
def test_a_mistyped_npi_is_refused_with_a_plain_reason(npi, message):
    with pytest.raises(ValidationError, match=message):
        validate_npi(npi)


def test_an_item_code_must_fit_its_code_type(visit_type):
    item = EstimateItem(visit_type=visit_type, code_type="CPT", code="J3301", description="Steroid", quantity=1, charge=15)
    with pytest.raises(ValidationError, match="5 digits"):
        item.full_clean()
    item.code_type = "HCPCS"
    item.full_clean()


def test_an_estimate_cannot_be_sent_without_the_practices_identifiers(practice, provider, dry_needling):
    Practice.objects.update(npi="")
    monday = booking_day()
    book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    estimate = GoodFaithEstimate.objects.get()
    assert estimate.status == GoodFaithEstimate.Status.TO_PREPARE
    with pytest.raises(EstimateRefused, match="NPI and tax ID"):
        estimates.issue(estimate)


def test_odd_input_on_a_waiting_estimate_is_refused_next_to_the_field_and_saves_nothing(desk_client, practice, visit_type):
    estimate = estimates.create_for_request({
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": date(1958, 3, 27), "email": "robin@example.com",
        "phone": "", "visit_type": visit_type, "expected_date": None, "coverage": Appointment.Coverage.UNINSURED,
    })
    response = desk_client.post(f"{ESTIMATES}{estimate.pk}/change/", {
        "first_name": "Robin", "last_name": "Selfpay", "date_of_birth": "1958-03-27", "email": "not-an-email", "phone": "12",
        "coverage": "uninsured", "visit_type": visit_type.pk, "expected_date": "9999-12-31",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"email", "phone", "expected_date"}
    assert errors["expected_date"] == ["Please check the year."]
    estimate.refresh_from_db()
    assert (estimate.email, estimate.expected_date) == ("robin@example.com", None)


def test_a_sent_estimate_cannot_be_edited_in_the_admin(desk_client, practice, provider, dry_needling):
    monday = booking_day()
    book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))
    estimate = GoodFaithEstimate.objects.get()
    desk_client.post(f"{ESTIMATES}{estimate.pk}/change/", {"first_name": "Changed", "email": "changed@example.com"})
    estimate.refresh_from_db()
    assert (estimate.first_name, estimate.email) == ("Robin", "robin@example.com")


def test_an_estimate_for_a_visit_sooner_than_the_next_business_day_is_listed_as_due_before_it(desk_client, practice, provider,
                                                                                             visit_type):
    monday = next_monday()
    book_by_phone(provider, visit_type, visit_day=monday, now=at(monday, 8))  # no items: it waits for the front desk

    listed = desk_client.get(ESTIMATES).content.decode()

    assert GoodFaithEstimate.objects.get().due_at == at(monday, 10)
    assert f"{monday:%a %b %d}, before 10:00" in listed and "end of day" not in listed


def test_an_estimate_whose_items_disagree_with_the_price_shown_waits_for_the_front_desk(desk_client, practice, provider,
                                                                                       dry_needling):
    dry_needling.self_pay_price = Decimal("105.00")  # an editor raised the price; the items still say $95
    dry_needling.save()
    monday = booking_day()

    book_by_phone(provider, dry_needling, visit_day=monday + timedelta(days=7), now=at(monday, 10))

    estimate = GoodFaithEstimate.objects.get()
    assert estimate.status == GoodFaithEstimate.Status.TO_PREPARE and estimate.message is None
    response = desk_client.post(ESTIMATES, {"action": "send_now", ACTION_CHECKBOX_NAME: [estimate.pk], "index": "0"}, follow=True)
    assert "add up to $95.00, but its self-pay price is $105.00" in response.content.decode()
    assert GoodFaithEstimate.objects.get().status == GoodFaithEstimate.Status.TO_PREPARE


def test_saving_a_visit_type_whose_items_disagree_with_its_price_warns(admin_client, dry_needling):
    url = f"/admin/appointments/visittype/{dry_needling.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({
        "providers": [provider.pk for provider in dry_needling.providers.all()], "self_pay_price": "105",
        "in_office": "on", "is_active": "on", "new_patients_may_book": "on",
        "estimate_items-TOTAL_FORMS": "0", "estimate_items-INITIAL_FORMS": "0",
    })
    data = {key: value for key, value in data.items() if value is not False}

    response = admin_client.post(url, data, follow=True)

    assert "add up to $95.00, but its self-pay price is $105.00" in response.content.decode()


def test_a_visit_whose_plan_was_hidden_since_can_still_be_moved_by_the_front_desk(desk_client, practice, provider, dry_needling):
    plan = make_insurance_plan(payer="Aetna", plan_name="")
    monday = next_monday() + timedelta(days=14)
    appointment = booking.book_for_staff(
        provider=provider, visit_type=dry_needling, modality=Appointment.Modality.IN_OFFICE, starts_at=at(monday, 10),
        patient=patient(Appointment.Coverage.INSURANCE), coverage=CoverageAnswer(Appointment.Coverage.INSURANCE, plan.pk),
    ).appointment
    plan.is_shown = False
    plan.save()

    response = desk_client.post(f"/admin/appointments/appointment/{appointment.pk}/change/", payment_change(
        appointment, starts_at_1="14:00:00", coverage="insurance", insurance_plan=str(plan.pk), insurance_plan_name="Aetna",
    ))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.starts_at).hour == 14 and appointment.insurance_plan == plan


def test_the_front_desk_moves_a_patient_from_one_listed_plan_to_another(desk_client, practice, provider, dry_needling):
    first, second = make_insurance_plan(payer="Aetna", plan_name=""), make_insurance_plan(payer="Cigna", plan_name="")
    appointment = booking.book_for_staff(
        provider=provider, visit_type=dry_needling, modality=Appointment.Modality.IN_OFFICE,
        starts_at=at(next_monday() + timedelta(days=14), 10),
        patient=patient(Appointment.Coverage.INSURANCE), coverage=CoverageAnswer(Appointment.Coverage.INSURANCE, first.pk),
    ).appointment

    # The name box still shows the first plan's name, as the change form filled it in.
    response = desk_client.post(f"/admin/appointments/appointment/{appointment.pk}/change/", payment_change(
        appointment, coverage="insurance", insurance_plan=str(second.pk), insurance_plan_name="Aetna",
    ))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.insurance_plan, appointment.insurance_plan_name) == (second, "Cigna")

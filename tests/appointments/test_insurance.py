"""How a visit is paid: the payment question at booking (45 CFR 149.610 asks it at scheduling),
plans the practice does not take told kindly before booking, self-pay prices on the pages that
show visits, /insurance/, and the staff who keep plans and prices."""

import re
from decimal import Decimal
from html import unescape

import pytest

from appointments import booking, coverage
from appointments.booking import BookingRefused
from appointments.coverage import CoverageAnswer
from appointments.models import Appointment, InsurancePlan, OutboxMessage
from clinic import seams
from clinic.roles import CONTENT_EDITORS
from tests.factories import PATIENT, at, details_form, make_insurance_plan, make_staff, weekday_after
from tests.pages import BOOK_TIME, DETAILS, assert_nothing_booked, assert_refused_with, time_buttons

pytestmark = pytest.mark.django_db

PHONE = "(301) 555-0142"  # tests.factories.make_practice


@pytest.fixture
def plans(clinic):
    """Medicare (taken, except for dry needling), CareFirst PPO (taken), Tricare (not taken); dry needling at $95."""
    clinic.needling.self_pay_price = Decimal("95")
    clinic.needling.save()
    return {
        "medicare": make_insurance_plan("Medicare", "Part B", not_taken_for=[clinic.needling], order=1),
        "carefirst": make_insurance_plan("CareFirst BlueCross BlueShield", "PPO", order=2),
        "tricare": make_insurance_plan("Tricare", "Select", is_taken=False, order=3),
    }


def free_start(client, visit="dry-needling-session") -> str:
    html = client.get(BOOK_TIME, {"visit": visit, "mode": "in_office", "week": weekday_after(3).isoformat()}).content.decode()
    return time_buttons(html)[0]


def page(response) -> str:
    return unescape(response.content.decode())


# --- The question -------------------------------------------------------------------------

def test_the_details_page_asks_insured_or_self_pay_and_marks_plans_not_taken_for_this_visit(client, clinic, plans):
    start = free_start(client)
    html = page(client.get(DETAILS, {"visit": "dry-needling-session", "mode": "in_office", "provider": "any", "start": start}))

    assert "How will you pay for this visit?" in html
    for answer in ("insurance", "insured_self_pay", "uninsured"):
        assert f'name="coverage" value="{answer}"' in html
    assert f'<option value="{plans["medicare"].pk}">Medicare — Part B (not taken for this visit)</option>' in html
    assert f'<option value="{plans["carefirst"].pk}">CareFirst BlueCross BlueShield — PPO</option>' in html
    assert '<option value="not_listed">My plan is not listed</option>' in html
    assert "Self-pay: $95" in html
    assert 'href="/legal/good-faith-estimates/"' in html

    # Medicare is taken for a follow-up visit.
    start = free_start(client, "follow-up-visit")
    html = page(client.get(DETAILS, {"visit": "follow-up-visit", "mode": "in_office", "provider": "any", "start": start}))
    assert f'<option value="{plans["medicare"].pk}">Medicare — Part B</option>' in html


def test_a_booking_without_an_answer_is_refused_next_to_the_question(client, clinic, plans):
    response = client.post(DETAILS, details_form(clinic.needling, free_start(client), coverage=None))

    html = assert_refused_with(response, coverage.ASK_HOW_YOU_PAY)
    assert 'href="#id_coverage_0"' in html  # the error summary links to the question


def test_a_plan_not_taken_is_told_before_booking_with_the_self_pay_price_and_the_phone(client, clinic, plans):
    start = free_start(client)
    form = details_form(clinic.needling, start, coverage="insurance", insurance_plan=str(plans["medicare"].pk))

    html = assert_refused_with(client.post(DETAILS, form), "We are sorry: we do not take Medicare — Part B for a dry needling session")

    assert "the self-pay price is $95" in html
    assert PHONE in html
    assert 'id="plan-not-taken"' in html
    # The answer is kept as given, and the patient can go on: the button is there, with the self-pay answers.
    assert re.search(rf'<option value="{plans["medicare"].pk}" selected>', html)
    assert re.search(r'name="coverage" value="insurance"[^>]*checked', html)
    assert "Book this appointment</button>" in html


def test_going_on_as_self_pay_after_the_kind_refusal_books_with_the_coverage_stored(client, clinic, plans):
    start = free_start(client)
    refused = details_form(clinic.needling, start, coverage="insurance", insurance_plan=str(plans["medicare"].pk))
    assert client.post(DETAILS, refused).status_code == 200

    # The patient changes only the answer; the plan stays chosen in the list and does not matter.
    response = client.post(DETAILS, {**refused, "coverage": "uninsured"})

    assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    appointment = Appointment.objects.get()
    assert appointment.coverage == Appointment.Coverage.UNINSURED
    assert appointment.insurance_plan is None and appointment.insurance_plan_name == ""
    assert appointment.needs_good_faith_estimate
    confirmed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page(client.get("/book/confirmed/"))))
    assert "How you will pay: paying yourself, $95" in confirmed
    assert "We email you a good faith estimate" in confirmed
    assert "A photo ID" in confirmed and "insurance card" not in confirmed
    [received] = OutboxMessage.objects.filter(kind="patient_received")
    assert "- A photo ID.\n" in received.body and "insurance card" not in received.body


def test_a_plan_taken_is_stored_with_its_name_as_it_was_then(client, clinic, plans):
    form = details_form(clinic.needling, free_start(client), coverage="insurance", insurance_plan=str(plans["carefirst"].pk))

    assert client.post(DETAILS, form).status_code == 302

    appointment = Appointment.objects.get()
    assert appointment.coverage == Appointment.Coverage.INSURANCE and not appointment.needs_good_faith_estimate
    confirmed = page(client.get("/book/confirmed/"))
    assert "Your insurance card and a photo ID" in confirmed and "good faith estimate of the charges" not in confirmed
    assert "A photo ID and your insurance card." in OutboxMessage.objects.get(kind="patient_received").body
    assert appointment.insurance_plan == plans["carefirst"]
    assert appointment.insurance_plan_name == "CareFirst BlueCross BlueShield — PPO"
    plans["carefirst"].delete()  # a plan removed from the list later: the visit keeps what the patient chose
    appointment.refresh_from_db()
    assert appointment.insurance_plan is None and appointment.insurance_plan_name == "CareFirst BlueCross BlueShield — PPO"


def test_a_plan_not_listed_is_booked_with_its_name_as_typed(client, clinic, plans):
    form = details_form(clinic.needling, free_start(client), coverage="insurance", insurance_plan="not_listed",
                        plan_name="  Aetna   Open Access ")

    assert client.post(DETAILS, form).status_code == 302

    appointment = Appointment.objects.get()
    assert (appointment.coverage, appointment.insurance_plan, appointment.insurance_plan_name) == ("insurance", None, "Aetna Open Access")
    confirmed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page(client.get("/book/confirmed/"))))
    assert "with your plan, Aetna Open Access: it is not on our list, so our front desk checks" in confirmed
    assert "we will bill your plan" not in confirmed


def test_insured_paying_themselves_is_owed_a_good_faith_estimate(client, clinic, plans):
    form = details_form(clinic.needling, free_start(client), coverage="insured_self_pay")

    assert client.post(DETAILS, form).status_code == 302

    appointment = Appointment.objects.get()
    assert appointment.coverage == Appointment.Coverage.INSURED_PAYING_SELF and appointment.needs_good_faith_estimate


@pytest.mark.parametrize(
    ("overrides", "message", "field"),
    [
        ({"coverage": "maybe"}, coverage.ASK_HOW_YOU_PAY, "id_coverage_0"),
        ({"coverage": ""}, coverage.ASK_HOW_YOU_PAY, "id_coverage_0"),
        ({"coverage": "insurance", "insurance_plan": ""}, coverage.CHOOSE_A_PLAN, "id_insurance_plan"),
        ({"coverage": "insurance", "insurance_plan": "99999"}, coverage.CHOOSE_A_PLAN, "id_insurance_plan"),
        ({"coverage": "insurance", "insurance_plan": "1; DROP TABLE"}, coverage.CHOOSE_A_PLAN, "id_insurance_plan"),
        ({"coverage": "insurance", "insurance_plan": "not_listed", "plan_name": "   "}, coverage.TYPE_THE_PLAN, "id_plan_name"),
        ({"coverage": "insurance", "insurance_plan": "not_listed", "plan_name": "Aetna\nPPO"}, "one line", "id_plan_name"),
        ({"coverage": "insurance", "insurance_plan": "not_listed", "plan_name": "A" * 201}, "200 characters or fewer", "id_plan_name"),
        ({"coverage": ["insurance", "uninsured"], "insurance_plan": ["1", "2"]}, "", ""),
    ],
)
def test_bad_answers_get_a_message_next_to_the_field_and_nothing_is_booked(client, clinic, plans, overrides, message, field):
    response = client.post(DETAILS, details_form(clinic.needling, free_start(client), **overrides))

    if not message:  # a list where one value is expected: Django takes the last, which is an answer; no 500 either way
        assert response.status_code in (200, 302)
        return
    html = assert_refused_with(response, message)
    assert f'href="#{field}"' in html


def test_a_plan_chosen_from_the_list_and_a_name_typed_as_well_is_asked_about_not_guessed(client, clinic, plans):
    form = details_form(clinic.needling, free_start(client), coverage="insurance", insurance_plan=str(plans["carefirst"].pk),
                        plan_name="Blue Shield of California")

    html = assert_refused_with(client.post(DETAILS, form), "You chose a plan from the list and also typed a plan name")

    assert 'href="#id_plan_name"' in html and 'value="Blue Shield of California"' in html


def test_the_typed_plan_name_is_kept_when_another_box_is_wrong(client, clinic, plans):
    form = details_form(clinic.needling, free_start(client), coverage="insurance", insurance_plan="not_listed",
                        plan_name="Aetna Open Access", email="not-an-email")

    html = page(client.post(DETAILS, form))

    assert 'value="Aetna Open Access"' in html
    assert '<option value="not_listed" selected>' in html
    assert_nothing_booked()


def test_a_plan_marked_not_taken_after_the_form_was_checked_is_refused_inside_book(clinic, plans):
    answer = CoverageAnswer("insurance", plans["carefirst"].pk)
    coverage.check_coverage(clinic.needling, answer)  # what the form checked: taken
    InsurancePlan.objects.filter(pk=plans["carefirst"].pk).update(is_taken=False)  # meanwhile, in the admin

    with pytest.raises(BookingRefused) as refused:
        booking.book(visit_type=clinic.needling, modality="in_office", starts_at=at(weekday_after(3), 10),
                     patient=patient_values(), coverage=answer)

    assert refused.value.field == "insurance_plan" and refused.value.code == coverage.PLAN_NOT_TAKEN
    assert "$95" in refused.value.message
    assert_nothing_booked()


def test_a_hidden_plan_is_refused_inside_book(clinic, plans):
    InsurancePlan.objects.filter(pk=plans["carefirst"].pk).update(is_shown=False)

    with pytest.raises(BookingRefused) as refused:
        booking.book(visit_type=clinic.needling, modality="in_office", starts_at=at(weekday_after(3), 10),
                     patient=patient_values(), coverage=CoverageAnswer("insurance", plans["carefirst"].pk))

    assert refused.value.field == "insurance_plan"
    assert_nothing_booked()


def patient_values() -> dict:
    from datetime import date

    return {"first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": date(1958, 7, 14), "phone": "+13015550188",
            "email": PATIENT["email"], "is_new_patient": False, "reason": "", "consent_to_contact": True}


# --- Prices and plans on the pages --------------------------------------------------------

def test_the_first_booking_step_shows_self_pay_prices_and_links_to_the_insurance_page(client, clinic, plans):
    html = page(client.get("/book/"))

    assert "Self-pay: $95" in html
    assert 'href="/insurance/"' in html
    assert 'href="/legal/good-faith-estimates/"' in html


def test_the_treatment_page_shows_its_visits_self_pay_prices_with_the_good_faith_estimate_notice(client, clinic, plans):
    html = page(client.get("/services/dry-needling/"))

    assert "Dry needling session — <strong>Self-pay: $95</strong>" in html
    assert "you have the right to a Good Faith Estimate" in html
    assert 'href="/legal/good-faith-estimates/"' in html and 'href="/estimates/ask/"' in html
    assert "Follow-up visit" not in html.split("What it costs")[1].split("</ul>")[0]  # not this treatment's visit


def test_saving_a_price_refreshes_the_cached_treatment_page(client, clinic, plans):
    assert "Self-pay: $95" in page(client.get("/services/dry-needling/"))

    clinic.needling.self_pay_price = Decimal("110.50")
    clinic.needling.save()

    html = page(client.get("/services/dry-needling/"))
    assert "Self-pay: $110.50" in html and "Self-pay: $95" not in html


def test_without_a_price_provider_the_treatment_page_shows_no_prices(client, clinic, plans, monkeypatch):
    monkeypatch.setattr(seams, "_visit_prices", [])

    html = page(client.get("/services/dry-needling/"))

    assert "Self-pay" not in html and "What it costs" not in html


def test_the_insurance_page_lists_plans_taken_and_not_and_every_self_pay_price(client, clinic, plans):
    clinic.follow_up.self_pay_price = Decimal("150")
    clinic.follow_up.save()

    response = client.get("/insurance/")

    html = re.sub(r"\s+", " ", page(response))
    assert response.status_code == 200
    assert html.count("<h1") == 1 and "<h1>Insurance and self-pay prices</h1>" in html
    assert '<meta name="description" content="The insurance plans we take' in html
    taken, not_taken = html.split("<h2>Plans we take</h2>")[1].split("<h2>Plans we do not take</h2>")
    assert "<strong>Medicare — Part B</strong>, except for: Dry needling session" in taken
    assert "<strong>CareFirst BlueCross BlueShield — PPO</strong>" in taken
    assert "Tricare" not in taken and "<strong>Tricare — Select</strong>" in not_taken
    assert "Dry needling session — <strong>Self-pay: $95</strong>" in html
    assert "Follow-up visit — <strong>Self-pay: $150</strong>" in html
    assert 'href="/legal/good-faith-estimates/"' in html and 'href="/estimates/ask/"' in html
    assert 'href="/legal/language-help/"' in html
    assert PHONE in html


def test_a_hidden_plan_is_not_on_the_insurance_page_and_a_new_plan_shows_at_once(client, clinic, plans):
    assert "Tricare" in page(client.get("/insurance/"))

    plans["tricare"].is_shown = False
    plans["tricare"].save()
    make_insurance_plan("Cigna", "")

    html = page(client.get("/insurance/"))
    assert "Tricare" not in html and "<strong>Cigna</strong>" in html


def test_the_insurance_page_is_in_the_sitemap(client, clinic):
    assert "/insurance/</loc>" in client.get("/sitemap.xml").content.decode()


# --- Staff --------------------------------------------------------------------------------

def test_editors_change_a_visit_types_price_but_not_who_offers_it_or_how_long_it_is(client, clinic):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    url = f"/admin/appointments/visittype/{clinic.needling.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert set(form.fields) == {"self_pay_price", "description"}

    response = client.post(url, {"self_pay_price": "120", "description": "Dry needling, in the office.", "duration_minutes": "90"})

    assert response.status_code == 302
    clinic.needling.refresh_from_db()
    assert clinic.needling.self_pay_price == Decimal("120") and clinic.needling.duration_minutes == 30


def test_editors_add_a_plan_with_exceptions(client, clinic):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    response = client.post("/admin/appointments/insuranceplan/add/", {
        "payer": "Medicare", "plan_name": "Part B", "is_taken": "on", "exceptions": [str(clinic.needling.pk)],
        "note": "", "is_shown": "on", "order": "1",
    })

    assert response.status_code == 302
    plan = InsurancePlan.objects.get()
    assert plan.takes(clinic.follow_up) and not plan.takes(clinic.needling)


def test_a_plan_listed_already_cannot_be_added_again_in_other_capitals_or_spacing(client, clinic):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))
    make_insurance_plan("Cigna", "")

    response = client.post("/admin/appointments/insuranceplan/add/", {
        "payer": "  cigna ", "plan_name": "", "is_taken": "on", "note": "", "is_shown": "on", "order": "2",
    })

    assert response.status_code == 200
    assert "listed already" in str(response.context["adminform"].form.errors)
    assert InsurancePlan.objects.count() == 1


def test_a_negative_price_is_refused_next_to_the_field(client, clinic):
    client.force_login(make_staff("editor", group=CONTENT_EDITORS))

    response = client.post(f"/admin/appointments/visittype/{clinic.needling.pk}/change/", {"self_pay_price": "-5", "description": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["self_pay_price"] == ["The price cannot be below zero."]
    clinic.needling.refresh_from_db()
    assert clinic.needling.self_pay_price is None


def staff_booking(clinic, **overrides) -> dict:
    from django.utils import timezone

    local = timezone.localtime(at(weekday_after(3), 10))
    return {
        "provider": str(clinic.dana.pk), "visit_type": str(clinic.needling.pk), "modality": "in_office",
        "starts_at_0": local.strftime("%Y-%m-%d"), "starts_at_1": local.strftime("%H:%M:%S"),
        "first_name": "Rosalind", "last_name": "Quigley", "date_of_birth": "1958-07-14", "phone": "(301) 555-0188",
        "email": "rosalind.quigley@example.com", "is_new_patient": "on", "reason": "", "consent_to_contact": "on",
        **overrides,
    }


def test_the_front_desk_records_how_a_visit_booked_by_phone_is_paid(desk_client, clinic, plans):
    response = desk_client.post("/admin/appointments/appointment/add/",
                                staff_booking(clinic, coverage="insurance", insurance_plan=str(plans["carefirst"].pk)))

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.coverage, appointment.insurance_plan) == ("insurance", plans["carefirst"])
    change = desk_client.get(f"/admin/appointments/appointment/{appointment.pk}/change/").content.decode()
    assert "CareFirst BlueCross BlueShield — PPO" in change


def test_the_front_desk_cannot_book_a_plan_not_taken_for_the_visit(desk_client, clinic, plans):
    response = desk_client.post("/admin/appointments/appointment/add/",
                                staff_booking(clinic, coverage="insurance", insurance_plan=str(plans["medicare"].pk)))

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["insurance_plan"]
    assert error.startswith("We do not take Medicare — Part B for a dry needling session. Tell the patient")
    assert "self-pay price $95" in error and "Choose “I have insurance" not in error  # the patients' buttons
    assert_nothing_booked()


def test_the_front_desk_is_asked_which_when_a_plan_is_chosen_and_a_name_typed(desk_client, clinic, plans):
    response = desk_client.post("/admin/appointments/appointment/add/", staff_booking(
        clinic, coverage="insurance", insurance_plan=str(plans["carefirst"].pk), insurance_plan_name="Blue Shield of California",
    ))

    assert response.status_code == 200
    assert "a name is typed too" in response.context["adminform"].form.errors["insurance_plan_name"][0]
    assert_nothing_booked()

"""The waitlist (appointments.waitlist): a freed time is offered to the first waiting patient it
suits, in joining order, within quiet hours; the first claim wins, everyone else is told kindly
and stays on the list; offers expire and pass on; patients leave; the front desk offers by hand."""

import re
import threading
from datetime import date, time, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from appointments import booking, waitlist
from appointments.models import Appointment, OutboxMessage, WaitlistEntry, WaitlistOffer
from appointments.waitlist import Wish
from clinic.models import Provider
from tests.factories import at, deliver_outbox, make_appointment, make_office_hours, make_practice, make_visit_type, make_working_hours

pytestmark = pytest.mark.usefixtures("site_and_mail")


def a_monday_ahead(weeks=2):
    today = timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks - 1)


class Clinic:
    """One provider working Mondays 9:00-10:00 only, both half hours booked: nothing free until someone cancels."""

    def __init__(self):
        make_office_hours(make_practice(), blocks=((time(9), time(17)),))
        self.provider = Provider.objects.create(name="Dana Wait", slug="dana-wait", role="Physician")
        make_working_hours(self.provider, weekdays=[0], blocks=((time(9), time(10)),))
        self.visit = make_visit_type([self.provider], name="Dry needling", slug="dry-needling-wait", duration_minutes=30, by_video=False)
        self.monday = a_monday_ahead()
        self.booked = [make_appointment(provider=self.provider, visit_type=self.visit, starts_at=at(self.monday, 9, minute))
                       for minute in (0, 30)]

    def wish(self, **overrides):
        fields = dict(visit_type=self.visit, provider=None, first_day=self.monday, last_day=self.monday,
                      mornings=True, afternoons=False, weekdays="01234")
        fields.update(overrides)
        return Wish(**fields)


@pytest.fixture
def clinic(db):
    return Clinic()


def patient(number):
    return dict(first_name=f"Wait{number}", last_name="Lister", date_of_birth=date(1971, 2, 3), phone="+13015550111",
                email=f"wait{number}@example.com", is_new_patient=False, consent_to_contact=True, reason="")


def daytime(day=None, hour=11):
    return at(day or timezone.localdate(), hour)


def join(clinic, number, **wish):
    return waitlist.join(wish=clinic.wish(**wish), patient=patient(number))


def test_a_cancellation_offers_the_time_to_the_first_matching_entry_in_joining_order(clinic):
    afternoons_only = join(clinic, 1, mornings=False, afternoons=True)  # joined first, but the time does not suit
    first, second = join(clinic, 2), join(clinic, 3)
    assert waitlist.make_offers(now=daytime()) == 0  # nothing free yet
    booking.cancel(clinic.booked[1], by_patient=False)
    assert waitlist.make_offers(now=daytime()) == 1
    [offer] = WaitlistOffer.objects.all()
    assert offer.entry == first and offer.starts_at == at(clinic.monday, 9, 30) and offer.provider == clinic.provider
    assert offer.expires_at == daytime() + timedelta(hours=2)  # the practice's setting, by default
    assert not afternoons_only.offers.exists() and not second.offers.exists()
    emails = [email for email in deliver_outbox() if email.to == ["wait2@example.com"]]
    offer_email = next(email for email in emails if "opened up" in email.subject)
    assert offer_email.subject.startswith("A time has opened up — ")
    assert "9:30" not in offer_email.subject and "Dry needling" not in offer_email.subject  # no visit details in the subject
    assert "9:30 AM" in offer_email.body and offer.claim_url() in offer_email.body
    stored = OutboxMessage.objects.get(subject=offer_email.subject)
    assert offer.claim_url() not in stored.body and "[[claim-link]]" in stored.body  # the link is made when sent


def test_offers_wait_for_the_morning_in_quiet_hours(clinic):
    join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    today = timezone.localdate()
    assert waitlist.make_offers(now=at(today, 21)) == 0
    assert waitlist.make_offers(now=at(today, 7, 59)) == 0
    assert not WaitlistOffer.objects.exists()
    assert waitlist.make_offers(now=at(today, 8)) == 1


def test_an_expired_offer_passes_to_the_next_entry(clinic):
    first, second = join(clinic, 1), join(clinic, 2)
    booking.cancel(clinic.booked[0], by_patient=False)
    waitlist.make_offers(now=daytime(hour=9))
    OutboxMessage.objects.update(next_attempt_at=daytime(hour=9))
    deliver_outbox(now=daytime(hour=9))  # the worker emails it at once: its two hours run from then
    assert waitlist.make_offers(now=daytime(hour=10)) == 0  # still open: nobody else is offered it
    assert waitlist.make_offers(now=daytime(hour=11)) == 1  # two hours later the first offer expired
    assert [offer.status for offer in first.offers.all()] == ["expired"]
    assert [offer.status for offer in second.offers.all()] == ["open"]
    # And never the same time twice to one patient.
    assert waitlist.make_offers(now=daytime(hour=13)) == 0
    assert first.offers.count() == 1


def test_claiming_books_the_time_and_a_second_claimant_is_told_kindly_and_stays_on_the_list(clinic):
    first, second = join(clinic, 1), join(clinic, 2)
    booking.cancel(clinic.booked[1], by_patient=False)
    now = timezone.now()
    offers = waitlist.offer_by_hand([first, second], provider=clinic.provider, starts_at=at(clinic.monday, 9, 30), now=now)
    appointment = waitlist.claim(offers[0])
    assert (appointment.starts_at, appointment.email, appointment.provider) == (at(clinic.monday, 9, 30), "wait1@example.com", clinic.provider)
    with pytest.raises(waitlist.OfferGone) as gone:
        waitlist.claim(offers[1])
    assert gone.value.message == waitlist.GONE
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("booked", "waiting")
    with pytest.raises(waitlist.AlreadyClaimed):
        waitlist.claim(offers[0])  # the same link again: what it booked
    assert Appointment.objects.filter(starts_at=at(clinic.monday, 9, 30), status__in=Appointment.ACTIVE_STATUSES).count() == 1


def test_an_offer_never_claims_a_time_someone_booked_directly_meanwhile(clinic):
    entry = join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    [offer] = waitlist.offer_by_hand([entry], provider=clinic.provider, starts_at=at(clinic.monday, 9), now=timezone.now())
    make_appointment(provider=clinic.provider, visit_type=clinic.visit, starts_at=at(clinic.monday, 9))  # booked online meanwhile
    with pytest.raises(waitlist.OfferGone, match="someone else took this time"):
        waitlist.claim(offer)
    entry.refresh_from_db()
    assert entry.status == "waiting"
    assert Appointment.objects.filter(email="wait1@example.com").count() == 0


def test_leaving_the_list_withdraws_its_offers(client, clinic):
    entry = join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    [offer] = waitlist.offer_by_hand([entry], provider=clinic.provider, starts_at=at(clinic.monday, 9), now=timezone.now())
    deliver_outbox()  # the entry's page shows the offer once it is emailed
    page = client.get(f"/waitlist/{entry.token()}/").content.decode()
    assert "You are number 1 on the list" in page and "A time is offered to you" in page
    response = client.post(f"/waitlist/{entry.token()}/leave/", follow=True)
    assert "You have left the waitlist." in response.content.decode()
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.status, offer.status) == ("left", "withdrawn")
    claim_page = client.post(f"/waitlist/offer/{offer.token()}/").content.decode()
    assert "This time is no longer offered" in claim_page and waitlist.LEFT in claim_page
    assert waitlist.make_offers(now=daytime()) == 0


def test_entries_end_after_their_last_day(clinic):
    entry = join(clinic, 1, first_day=timezone.localdate(), last_day=timezone.localdate())
    waitlist.expire(now=timezone.now() + timedelta(days=1))
    entry.refresh_from_db()
    assert entry.status == "expired"


def test_a_patient_already_booked_is_moved_earlier_when_they_claim(client, clinic):
    later = make_appointment(provider=clinic.provider, visit_type=clinic.visit, starts_at=at(clinic.monday + timedelta(weeks=1), 9),
                             email="wait9@example.com")
    response = client.post(f"/appointments/manage/{later.manage_token()}/earlier/", {
        "first_day": clinic.monday.strftime("%m/%d/%Y"), "last_day": clinic.monday.strftime("%m/%d/%Y"),
        "weekdays": ["0"], "times_of_day": ["mornings"],
    }, follow=True)
    assert "You are on the waitlist for an earlier time" in response.content.decode()
    entry = WaitlistEntry.objects.get(appointment=later)
    booking.cancel(clinic.booked[0], by_patient=False)
    assert waitlist.make_offers(now=daytime()) == 1
    moved = waitlist.claim(entry.offers.get())
    assert moved.pk == later.pk and moved.starts_at == at(clinic.monday, 9)


def test_the_claim_link_itself_books_nothing_and_the_button_books_once(client, clinic):
    entry = join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    [offer] = waitlist.offer_by_hand([entry], provider=clinic.provider, starts_at=at(clinic.monday, 9), now=timezone.now())
    page = client.get(f"/waitlist/offer/{offer.token()}/").content.decode()  # what a mail scanner does
    assert "Book this time" in page and not Appointment.objects.filter(email="wait1@example.com").exists()
    for _ in range(2):  # a double click
        response = client.post(f"/waitlist/offer/{offer.token()}/")
        assert response.status_code == 302 and response["Location"] == "/book/confirmed/"
    assert Appointment.objects.filter(email="wait1@example.com").count() == 1


def test_the_days_to_tick_are_the_days_the_office_opens(client, clinic):
    from clinic.models import OfficeHours, Practice

    def days_offered():
        page = client.get("/waitlist/join/", {"visit": clinic.visit.slug}).content.decode()
        return re.findall(r'name="weekdays" value="(\d)"', page)

    assert days_offered() == ["0", "1", "2", "3", "4"]  # closed at weekends: no Saturday box
    refused = client.post("/waitlist/join/", {"visit": clinic.visit.slug, "weekdays": ["5"], "provider": "7\x00"}).content.decode()
    assert "Please tick only the days shown." in refused and not WaitlistEntry.objects.exists()
    assert "Please choose a clinician from the list" in refused and "is not one of the available choices" not in refused
    make_office_hours(Practice.objects.get(), weekdays=[5], blocks=((time(9), time(12)),))
    assert days_offered() == ["0", "1", "2", "3", "4", "5"]
    page = client.get("/waitlist/join/", {"visit": clinic.visit.slug}).content.decode()
    assert len(re.findall(r'name="weekdays" value="\d"[^>]*checked', page)) == 6  # every day shown starts ticked
    OfficeHours.objects.all().delete()  # no hours set yet: the working week
    assert days_offered() == ["0", "1", "2", "3", "4"]


def test_a_made_up_claim_or_entry_link_is_not_found(client, clinic):
    assert client.get("/waitlist/offer/nonsense.abc/").status_code == 404
    assert client.get("/waitlist/whatever/").status_code == 404
    assert client.post("/waitlist/whatever/leave/").status_code == 404


def test_joining_from_the_website_keeps_everything_typed_on_a_mistake_and_emails_the_link(client, clinic):
    from tests.factories import stamp_issued

    page = client.get("/waitlist/join/", {"visit": clinic.visit.slug}).content.decode()
    assert re.search(r'<option value="dry-needling-wait" selected>', page)
    data = {
        "visit": clinic.visit.slug, "provider": "", "first_day": clinic.monday.strftime("%m/%d/%Y"),
        "last_day": (clinic.monday - timedelta(days=1)).strftime("%m/%d/%Y"), "weekdays": ["0", "2"], "times_of_day": ["mornings"],
        "first_name": "Wren", "last_name": "Halloway", "date_of_birth": "03/27/1958", "phone": "(301) 555-0142",
        "email": "wren@example.com", "is_new_patient": "no", "coverage": "uninsured", "consent_to_contact": "on",
        "website": "", "form_stamp": stamp_issued(10),
    }
    wrong = client.post("/waitlist/join/", data)
    html = wrong.content.decode()
    assert wrong.status_code == 200 and "The last day must be on or after the first day." in html
    assert 'value="Wren"' in html and not WaitlistEntry.objects.exists()
    data["last_day"] = (clinic.monday + timedelta(days=7)).strftime("%m/%d/%Y")
    response = client.post("/waitlist/join/", data)
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.weekdays, entry.mornings, entry.afternoons, entry.coverage) == ("02", True, False, "uninsured")
    assert "You are on the waitlist" in client.get(response["Location"]).content.decode()
    [email] = [email for email in deliver_outbox() if email.to == ["wren@example.com"]]
    assert entry.page_url() in email.body and "Wren" not in email.subject


@pytest.mark.django_db
def test_the_front_desk_sees_the_list_and_offers_a_time_by_hand(desk_client, clinic):
    first, second = join(clinic, 1), join(clinic, 2)
    page = desk_client.get("/admin/appointments/waitlistentry/", {"visit_type__id__exact": clinic.visit.pk}).content.decode()
    assert first.reference in page and second.reference in page
    assert page.index(first.reference) < page.index(second.reference)  # in joining order
    taken = desk_client.post("/admin/appointments/waitlistentry/", {
        "action": "offer_a_time", "_selected_action": [first.pk, second.pk], "offer": "1",
        "provider": clinic.provider.pk, "starts_at_0": clinic.monday.isoformat(), "starts_at_1": "09:00",
    })
    assert "That time is not free online" in taken.content.decode() and not WaitlistOffer.objects.exists()
    booking.cancel(clinic.booked[0], by_patient=False)
    response = desk_client.post("/admin/appointments/waitlistentry/", {
        "action": "offer_a_time", "_selected_action": [first.pk, second.pk], "offer": "1",
        "provider": clinic.provider.pk, "starts_at_0": clinic.monday.isoformat(), "starts_at_1": "09:00",
    }, follow=True)
    assert "The time is offered to 2 patients by email" in response.content.decode()
    assert WaitlistOffer.objects.filter(by_staff=True, status="open").count() == 2
    # The entry's page lists its offers, with when each was emailed (the front desk may view them).
    deliver_outbox()
    entry_page = desk_client.get(f"/admin/appointments/waitlistentry/{first.pk}/change/").content.decode()
    assert "Emailed at" in entry_page and "Offered" in entry_page


THREADS = 20


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_claims_of_one_offered_time_at_once_give_one_visit_and_nineteen_kind_refusals():
    clinic = Clinic()
    entries = [join(clinic, number) for number in range(THREADS)]
    booking.cancel(clinic.booked[0], by_patient=False)
    offers = waitlist.offer_by_hand(entries, provider=clinic.provider, starts_at=at(clinic.monday, 9), now=timezone.now())
    barrier = threading.Barrier(THREADS)
    outcomes = [None] * THREADS

    def attempt(index):
        try:
            barrier.wait(timeout=30)
            waitlist.claim(offers[index])
            outcomes[index] = "booked"
        except waitlist.OfferGone as gone:
            outcomes[index] = gone.message
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            outcomes[index] = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count(waitlist.GONE) == THREADS - 1, outcomes
    assert Appointment.objects.filter(starts_at=at(clinic.monday, 9), status__in=Appointment.ACTIVE_STATUSES).count() == 1
    assert WaitlistEntry.objects.filter(status="waiting").count() == THREADS - 1


def test_new_working_hours_and_a_lifted_closure_free_times_too(clinic):
    """Not only cancellations: a clinician adding hours, or a closure taken back, offers the times it opens."""
    from appointments.models import WorkingHours
    from clinic.models import HolidayHours

    tuesday = clinic.monday + timedelta(days=1)
    entry = join(clinic, 1, first_day=tuesday, last_day=tuesday)
    assert waitlist.make_offers(now=daytime()) == 0  # the clinician does not work on Tuesdays
    WorkingHours.objects.create(provider=clinic.provider, weekday=1, starts=time(9), ends=time(10))
    assert waitlist.make_offers(now=daytime()) == 1
    assert timezone.localtime(entry.offers.get().starts_at).date() == tuesday

    waitlist.leave(entry)
    closed = HolidayHours.objects.create(label="Snow day", first_day=tuesday, last_day=tuesday, is_closed=True)
    later = join(clinic, 2, first_day=tuesday, last_day=tuesday)
    assert waitlist.make_offers(now=daytime()) == 0  # closed that day
    closed.delete()
    assert waitlist.make_offers(now=daytime()) == 1
    assert later.offers.count() == 1


def test_a_visit_named_with_odd_bytes_is_simply_not_chosen(client, clinic):
    """A NUL byte would make PostgreSQL refuse the query: it never reaches the database."""
    for value in ("\x00", "dry-needling-wait\x00", "x" * 500, "<script>"):
        response = client.get("/waitlist/join/", {"visit": value})
        assert response.status_code == 200
        assert 'selected>Dry needling' not in response.content.decode()


def earlier_entry(clinic, visit):
    return waitlist.join(wish=clinic.wish(), patient=visit.contact_details(), appointment=visit)


def test_cancelling_a_visit_ends_its_request_for_an_earlier_time(clinic):
    later = make_appointment(provider=clinic.provider, visit_type=clinic.visit, starts_at=at(clinic.monday + timedelta(weeks=1), 9))
    entry = earlier_entry(clinic, later)
    booking.cancel(later, by_patient=False)
    entry.refresh_from_db()
    assert entry.status == "left"
    booking.cancel(clinic.booked[0], by_patient=False)
    assert waitlist.make_offers(now=daytime()) == 0  # nothing offered to move a cancelled visit


def test_an_earlier_time_is_asked_once_per_visit_and_never_moves_it_later(clinic):
    later = make_appointment(provider=clinic.provider, visit_type=clinic.visit, starts_at=at(clinic.monday + timedelta(weeks=1), 9))
    entry = earlier_entry(clinic, later)
    with pytest.raises(waitlist.AlreadyJoined):
        earlier_entry(clinic, later)
    # The front desk offers, by hand, a time after the visit: claiming it moves nothing.
    Appointment.objects.filter(pk=later.pk).update(starts_at=at(clinic.monday, 8, 0), ends_at=at(clinic.monday, 8, 30))
    booking.cancel(clinic.booked[1], by_patient=False)
    [offer] = waitlist.offer_by_hand([entry], provider=clinic.provider, starts_at=at(clinic.monday, 9, 30), now=timezone.now())
    with pytest.raises(waitlist.OfferGone, match="not earlier than your visit"):
        waitlist.claim(offer)
    later.refresh_from_db()
    assert later.starts_at == at(clinic.monday, 8, 0)


def test_a_claim_refused_for_another_reason_says_so_and_ends_the_entry(clinic):
    """Not "someone else took it" when the time is still free: here the practice stopped offering the
    visit online after the offer was made, so it cannot be booked online."""
    entry = join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    [offer] = waitlist.offer_by_hand([entry], provider=clinic.provider, starts_at=at(clinic.monday, 9), now=timezone.now())
    clinic.visit.is_active = False
    clinic.visit.save()
    with pytest.raises(waitlist.OfferGone) as refused:
        waitlist.claim(offer)
    assert refused.value.message == ("We could not book this time for you online: That visit can no longer be booked online. "
                                     "Please call us. You are no longer on the waitlist for it.")
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.status, offer.status) == ("expired", "withdrawn")
    clinic.visit.is_active = True
    clinic.visit.save()
    assert waitlist.make_offers(now=daytime()) == 0  # no more offers meet the same refusal


def test_the_offer_email_says_until_when_on_one_line(clinic):
    entry = join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    waitlist.make_offers(now=daytime())
    [email] = [email for email in deliver_outbox() if email.to == ["wait1@example.com"] and "opened up" in email.subject]
    assert re.search(r"before \d{1,2}:\d{2} [AP]M on \w+day, \w+ \d{1,2} \(Eastern time\)", email.body), email.body
    assert entry.offers.count() == 1


def test_a_mail_outage_does_not_use_up_the_time_to_claim_an_offer(settings, client, clinic):
    from appointments import outbox
    from appointments.models import BookingSettings
    from tests.factories import MAIL_IN_MEMORY, MAIL_SERVER_DOWN

    first, second = join(clinic, 1), join(clinic, 2)
    booking.cancel(clinic.booked[0], by_patient=False)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN  # a port that hangs up on every connection
    waitlist.make_offers(now=daytime(hour=9))
    [offer] = first.offers.all()
    OutboxMessage.objects.update(next_attempt_at=daytime(hour=9))
    assert outbox.send_due(now=daytime(hour=9)) == 0
    # Three hours of outage: the offer keeps its time (nobody could claim it), nobody else is offered it,
    # and the entry's page does not show it yet.
    assert waitlist.make_offers(now=daytime(hour=12)) == 0
    offer.refresh_from_db()
    assert (offer.status, offer.emailed_at) == ("open", None)
    assert "A time is offered to you" not in client.get(f"/waitlist/{first.token()}/").content.decode()
    # The mail server is back at noon: the email goes out saying two hours from then, and the offer agrees.
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    OutboxMessage.objects.exclude(status="sent").update(next_attempt_at=daytime(hour=12))
    emails = deliver_outbox(now=daytime(hour=12))
    [email] = [email for email in emails if email.to == ["wait1@example.com"] and "opened up" in email.subject]
    until = f"before 2:00 PM on {daytime(hour=12):%A, %B} {daytime(hour=12).day} (Eastern time)"
    assert until in email.body and until in email.alternatives[0][0]
    offer.refresh_from_db()
    assert (offer.emailed_at, offer.expires_at) == (daytime(hour=12), daytime(hour=14))
    assert "A time is offered to you" in client.get(f"/waitlist/{first.token()}/").content.decode()
    assert waitlist.make_offers(now=daytime(hour=13)) == 0  # still hers
    assert waitlist.make_offers(now=daytime(hour=14)) == 1  # then the next patient's
    assert [o.status for o in first.offers.all()] == ["expired"] and [o.status for o in second.offers.all()] == ["open"]
    # An offer never emailed still ends once its visit is inside the minimum notice.
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    [later] = second.offers.all()
    waitlist.expire(now=later.starts_at - BookingSettings.load(fresh=True).minimum_notice)
    later.refresh_from_db()
    assert later.status == "expired"


def test_an_offer_that_ended_before_its_email_could_go_out_is_not_emailed(settings, clinic):
    from django.core import mail

    from appointments import outbox
    from tests.factories import MAIL_IN_MEMORY, MAIL_SERVER_DOWN

    first, second = join(clinic, 1), join(clinic, 2)
    booking.cancel(clinic.booked[0], by_patient=False)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    [to_first, to_second] = waitlist.offer_by_hand([first, second], provider=clinic.provider, starts_at=at(clinic.monday, 9),
                                                   now=timezone.now())
    outbox.send_due()
    waitlist.leave(first)  # the first patient leaves the list meanwhile: her offer is withdrawn
    waitlist.claim(to_second)  # and the second's is claimed meanwhile: booked
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY
    mail.outbox = []
    outbox.send_due(now=timezone.now() + timedelta(hours=1))
    offer_emails = [email for email in mail.outbox if "opened up" in email.subject]
    assert offer_emails == []  # neither is asked to claim what they cannot
    dropped = OutboxMessage.objects.filter(kind="patient_waitlist_offer")
    assert set(dropped.values_list("status", flat=True)) == {"dropped"}
    assert all("ended before its email could go out" in message.last_error for message in dropped)
    # The other emails of the round still went out (a dropped email is not a mail server failing).
    assert any(email.to == ["wait2@example.com"] and "opened up" not in email.subject for email in mail.outbox)


def test_an_offer_email_the_mail_server_refuses_for_good_passes_the_time_on(mail_server_that_refuses, clinic):
    from appointments import outbox

    server = mail_server_that_refuses("550 5.1.1 No such mailbox here")
    first, second = join(clinic, 1), join(clinic, 2)
    booking.cancel(clinic.booked[0], by_patient=False)
    nine = daytime(hour=9)
    waitlist.make_offers(now=nine)
    [offer] = first.offers.all()
    OutboxMessage.objects.update(next_attempt_at=nine)
    for minutes in (0, 2, 10):
        outbox.send_due(now=nine + timedelta(minutes=minutes))
    message = OutboxMessage.objects.get(kind="patient_waitlist_offer")
    assert message.status == "abandoned" and server.refused >= 3
    offer.refresh_from_db()
    assert offer.status == "expired"  # not held for an email that will never come
    assert waitlist.make_offers(now=nine + timedelta(minutes=11)) == 1
    assert [o.status for o in second.offers.all()] == ["open"]


def test_an_offer_email_is_tried_again_at_least_every_quarter_hour(settings, clinic):
    from appointments import outbox
    from tests.factories import MAIL_SERVER_DOWN

    join(clinic, 1)
    booking.cancel(clinic.booked[0], by_patient=False)
    settings.EMAIL_BACKEND = MAIL_SERVER_DOWN
    nine = daytime(hour=9)
    waitlist.make_offers(now=nine)
    offer_email = OutboxMessage.objects.get(kind="patient_waitlist_offer")
    other = OutboxMessage.objects.exclude(pk=offer_email.pk).first()
    OutboxMessage.objects.update(next_attempt_at=nine, scheduled_tries=5)  # an outage of a few hours so far
    outbox.send_due(now=nine)
    offer_email.refresh_from_db()
    other.refresh_from_db()
    assert offer_email.next_attempt_at == nine + timedelta(minutes=15)
    assert other.next_attempt_at > nine + timedelta(hours=1)  # any other email backs off as before

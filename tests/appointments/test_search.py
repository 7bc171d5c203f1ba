"""Search as receptionists type (appointments.search), in the lists of patients, appointments and
telehealth requests: each example finds its patient, and none finds another."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from appointments import patients
from appointments.models import Patient
from appointments.search import date_of_birth_in
from tests.factories import at, make_appointment, make_telehealth_request

pytestmark = pytest.mark.django_db

SOFIA = {"first_name": "Sofía", "last_name": "Núñez", "date_of_birth": date(1958, 3, 27), "phone": "+13015550199",
         "email": "sofia.n@example.com"}
# Near misses: a similar name, the same birthday in another year, the next day, the same line at another area code.
OTHERS = [
    {"first_name": "Ana", "last_name": "Nunes", "date_of_birth": date(1958, 3, 28), "phone": "+12405550198",
     "email": "ana.nunes@example.com"},
    {"first_name": "Sofie", "last_name": "Brandt", "date_of_birth": date(1985, 3, 27), "phone": "+12405550919",
     "email": "sofie.b@example.com"},
    {"first_name": "Martin", "last_name": "Sofer", "date_of_birth": date(1958, 7, 3), "phone": "+14105550188",
     "email": "m.sofer@example.com"},
]
EXAMPLES = [
    "sofia", "Sofía", "SOFIA", "núñez", "nunez", "Sofia Nunez", " sofia   núñez ", "úñez",
    "555-0199", "5550199", "(301) 555", "301-555-0199", "+1 301 555 0199", "0199 ",
    "03/27/1958", "3/27/58", "1958-03-27", "3-27-1958",
    "sofia.n@example.com", "SOFIA.N@EXAMPLE.COM",
]
LISTS = {
    "patients": ("/admin/appointments/patient/", lambda row: row.pk),
    "appointments": ("/admin/appointments/appointment/?when=all", lambda row: row.patient_id),
    "telehealth requests": ("/admin/appointments/telehealthrequest/?status=all", lambda row: row.patient_id),
}


@pytest.fixture
def people(visit_type, provider):
    """Sofía and the others, each with a past visit and a telehealth request; Sofía's record first."""
    records = []
    for number, details in enumerate([SOFIA, *OTHERS]):
        visit = make_appointment(
            visit_type=visit_type, provider=provider, starts_at=at(timezone.localdate() - timedelta(days=10 + number), 10),
            **details,
        )
        make_telehealth_request(**details, patient=visit.patient)
        records.append(visit.patient)
    return records


def found(client, list_name, term):
    url, patient_of = LISTS[list_name]
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}", {"q": term})
    assert response.status_code == 200
    return {patient_of(row) for row in response.context["cl"].result_list}


@pytest.mark.parametrize("list_name", LISTS)
@pytest.mark.parametrize("term", EXAMPLES)
def test_each_example_finds_sofia_and_nobody_else(desk_client, people, list_name, term):
    assert found(desk_client, list_name, term) == {people[0].pk}


@pytest.mark.parametrize("list_name", LISTS)
def test_a_reference_finds_its_patient_in_any_case(desk_client, people, list_name):
    """A visit's reference in the lists of patients and appointments, a request's in the list of requests."""
    records = people[0].telehealth_requests if list_name == "telehealth requests" else people[0].appointments
    reference = records.get().reference

    assert found(desk_client, list_name, reference.lower()) == {people[0].pk}


@pytest.mark.parametrize("term", ["Brandt", "sofie", "240-555-0919", "03/27/1985", "3/27/85"])
def test_the_near_misses_find_only_themselves(desk_client, people, term):
    assert found(desk_client, "patients", term) == {people[2].pk}


@pytest.mark.parametrize("term", ["12", "zzz", "1/1/1900", "99/99/9999", "' OR 1=1 --", "%", "_", "ñ" * 300])
def test_searches_that_match_nobody_find_nobody_and_never_fail(desk_client, people, term):
    for list_name in LISTS:
        assert found(desk_client, list_name, term) == set()


def test_a_corrected_name_is_found_by_its_new_spelling(desk_client, people):
    patients.correct_contact(people[0], {"first_name": "Zoé"})

    assert found(desk_client, "patients", "zoe") == {people[0].pk}
    assert found(desk_client, "patients", "sofia") == set()


@pytest.mark.parametrize("typed, born", [
    ("03/27/1958", date(1958, 3, 27)),
    ("3/27/58", date(1958, 3, 27)),
    ("1958-03-27", date(1958, 3, 27)),
    ("3/27/20", date(2020, 3, 27)),  # a two-digit year is the latest that is not in the future
    ("12/31/99", date(1999, 12, 31)),
    ("27/03/1958", None),
    ("garbage", None),
])
def test_dates_of_birth_are_read_as_people_type_them(typed, born):
    assert date_of_birth_in(typed, today=date(2026, 12, 1)) == born


def test_a_patient_saved_by_any_means_keeps_its_search_copies(desk_client, people):
    from appointments.models import Patient

    record = Patient.objects.create(first_name="Zoé", last_name="Ångström", date_of_birth=date(1990, 5, 6),
                                    phone="+12405550134", email="zoe@example.com")
    assert found(desk_client, "patients", "zoe angstrom") == {record.pk}

    record.phone = "+12405550177"
    record.save(update_fields=["phone"])
    assert found(desk_client, "patients", "555-0177") == {record.pk}


@pytest.mark.parametrize("term", ["obrien", "O’Brien", "o'brien", "O`Brien", "fatima obrien"])
def test_a_name_with_an_apostrophe_is_found_however_it_is_typed(desk_client, people, term):
    """Phones type a curly apostrophe, and many people leave it out."""
    fatima = patients.create_patient({
        "first_name": "Fatima", "last_name": "O'Brien", "date_of_birth": date(1948, 5, 10), "phone": "+13015550177",
        "email": "fatima@example.com",
    })

    assert found(desk_client, "patients", term) == {fatima.pk}


def test_the_migration_recomputes_the_search_copies_of_names_written_before():
    from importlib import import_module

    from django.apps import apps as django_apps

    fatima = patients.create_patient({
        "first_name": "Fatima", "last_name": "O'Brien", "date_of_birth": date(1948, 5, 10), "phone": "+13015550177",
        "email": "fatima@example.com",
    })
    Patient.objects.filter(pk=fatima.pk).update(search_name="fatima o'brien")  # as saved before apostrophes were left out

    import_module("appointments.migrations.0029_names_searched_without_apostrophes").recompute(django_apps, None)

    assert Patient.objects.get(pk=fatima.pk).search_name == "fatima obrien"

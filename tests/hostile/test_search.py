"""Search as receptionists type (appointments.search) under hostile input: whatever is typed into
the search box of the lists of patients, appointments and telehealth requests (a NUL, a wildcard,
a date that is no date), the list answers, never with a server error."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.roles import FRONT_DESK
from tests.factories import make_appointment, make_staff, make_telehealth_request
from tests.hostile.profiles import examples

pytestmark = pytest.mark.django_db

LISTS = {
    "/admin/appointments/patient/": {},
    "/admin/appointments/appointment/": {"when": "all"},
    "/admin/appointments/telehealthrequest/": {"status": "all"},
}
TYPED = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"[0-9 ()+./-]{0,20}", fullmatch=True),
    st.from_regex(r"[0-9]{1,4}[/.-][0-9]{1,4}[/.-][0-9]{1,5}", fullmatch=True),
    st.text(alphabet="áéíóúñÑçØß%_\\'\"*?[]^$ \x00\t", max_size=30),
)


@pytest.fixture
def desk_with_records(client):
    client.force_login(make_staff("desk", group=FRONT_DESK))
    visit = make_appointment(first_name="Sofía", last_name="Núñez")
    make_telehealth_request(patient=visit.patient, first_name="Sofía", last_name="Núñez")
    return client


@examples(0.5)
@given(term=TYPED)
def test_any_search_answers_the_list(desk_with_records, term):
    for url, filters in LISTS.items():
        response = desk_with_records.get(url, {**filters, "q": term})
        assert response.status_code == 200, (url, term)

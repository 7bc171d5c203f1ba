import pytest

from tests.factories import build_clinic, make_licence, make_office_hours, make_practice, make_provider, make_visit_type, make_working_hours


@pytest.fixture
def clinic():
    """The practice of tests.factories.build_clinic: two visit types, three providers."""
    return build_clinic()


@pytest.fixture
def practice():
    """A practice open Monday to Friday, 9–12 and 13–17."""
    practice = make_practice()
    make_office_hours(practice)
    return practice


@pytest.fixture
def provider(practice):
    """Dana Whitfield, MD, working Monday to Friday 9–17, in the office and by video (licensed in Maryland)."""
    provider = make_provider(name="Dana Whitfield", offers_telehealth=True)
    make_working_hours(provider)
    make_licence(provider, "MD")
    return provider


@pytest.fixture
def visit_type(provider):
    """A 30-minute follow-up visit with Dana Whitfield, in the office or by video."""
    return make_visit_type(providers=[provider], name="Follow-up visit", duration_minutes=30)


@pytest.fixture
def second_provider(visit_type):
    """Marcus Ellery, working the same hours, who offers the follow-up visit too."""
    other = make_provider(name="Marcus Ellery")
    make_working_hours(other)
    visit_type.providers.add(other)
    return other


@pytest.fixture
def site_and_mail(settings):
    """The site's address and the front desk's, as the Makefile's test environment sets them, and emails kept in memory."""
    from tests.factories import MAIL_IN_MEMORY

    settings.SITE_URL = "https://clinic.test"
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY

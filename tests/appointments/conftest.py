import pytest

from tests.factories import build_clinic


@pytest.fixture
def clinic():
    """The practice of tests.factories.build_clinic: two visit types, three providers."""
    return build_clinic()


@pytest.fixture
def site_and_mail(settings):
    """The site's address and the front desk's, as the Makefile's test environment sets them, and emails kept in memory."""
    from tests.factories import MAIL_IN_MEMORY

    settings.SITE_URL = "https://clinic.test"
    settings.FRONT_DESK_EMAIL = "frontdesk@clinic.test"
    settings.EMAIL_BACKEND = MAIL_IN_MEMORY

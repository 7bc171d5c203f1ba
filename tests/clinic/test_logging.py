import logging

from clinic.log_filters import RedactSecretPaths


def test_manage_tokens_never_reach_the_log():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/appointments/manage/s3cretT0ken/",), None)
    RedactSecretPaths().filter(record)
    assert record.getMessage() == "Not Found: /appointments/manage/[token]/"


def test_the_console_handler_uses_the_filter(settings):
    assert "redact_secret_paths" in settings.LOGGING["handlers"]["console"]["filters"]


def test_the_tokens_of_every_patient_link_never_reach_the_log():
    from clinic.log_filters import redact

    assert redact("/estimates/s3cret.T0ken/") == "/estimates/[token]/"
    assert redact("/waitlist/s3cret.T0ken/leave/") == "/waitlist/[token]/leave/"
    assert redact("/waitlist/offer/s3cret.T0ken/") == "/waitlist/offer/[token]/"
    # Addresses that hold no token are left as they are.
    for path in ("/estimates/ask/", "/estimates/ask/sent/", "/waitlist/join/", "/waitlist/joined/"):
        assert redact(path) == path

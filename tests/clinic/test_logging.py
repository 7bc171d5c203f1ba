import logging

from clinic.log_filters import RedactSecretPaths


def test_manage_tokens_never_reach_the_log():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/appointments/manage/s3cretT0ken/",), None)
    RedactSecretPaths().filter(record)
    assert record.getMessage() == "Not Found: /appointments/manage/[token]/"


def test_the_console_handler_uses_the_filter(settings):
    assert "redact_secret_paths" in settings.LOGGING["handlers"]["console"]["filters"]

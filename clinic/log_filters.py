import logging
import re

# Links that open a patient's records carry a secret token in the path (a visit's manage link, a good
# faith estimate's own link, a waitlist entry's link and an offer's claim link); Django logs the
# path of a 404, gunicorn the path of every request.
SECRET_PATH = re.compile(r"(/appointments/manage/|/estimates/(?!ask/)|/waitlist/offer/|/waitlist/(?!join/|joined/|offer/))[^/\s?]+")


def redact(value):
    return SECRET_PATH.sub(r"\1[token]", value) if isinstance(value, str) else value


class RedactSecretPaths(logging.Filter):
    """Replace the tokens of patients' links in log messages with [token]."""

    def filter(self, record):
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        return True

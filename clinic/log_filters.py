import logging
import re

# Manage links carry a secret token in the path; Django logs the path of a 404.
SECRET_PATH = re.compile(r"(/appointments/manage/)[^/\s?]+")


def redact(value):
    return SECRET_PATH.sub(r"\1[token]", value) if isinstance(value, str) else value


class RedactSecretPaths(logging.Filter):
    """Replace manage-link tokens in log messages with [token]."""

    def filter(self, record):
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        return True

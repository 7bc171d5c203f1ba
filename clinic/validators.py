"""Rules for text that staff and patients type, shared by models and forms."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone


def validate_single_line(value: str):
    """No line breaks or other control characters: the value may end up in an email
    header (the practice's name is in every subject line), where a line break makes
    the email fail to send, or could add a header of the sender's choosing."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError("Please write this on one line, without line breaks.", code="single_line")


# Far enough for any real booking, holiday or notice; far inside what date arithmetic can do.
PLAUSIBLE_YEARS = 100


def validate_plausible_date(value):
    """A date (or date and time) within a century of today: anything further is a slip of the
    keyboard, and adding a day to 31 December 9999 is an error rather than a date."""
    day = value.date() if hasattr(value, "date") else value
    if abs(day.year - timezone.localdate().year) > PLAUSIBLE_YEARS:
        raise ValidationError("Please check the year.", code="implausible_date")

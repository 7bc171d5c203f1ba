"""Rules for text that staff and patients type, shared by models and forms."""

import unicodedata

from django.core.exceptions import ValidationError


def validate_single_line(value: str):
    """No line breaks or other control characters: the value may end up in an email
    header (the practice's name is in every subject line), where a line break makes
    the email fail to send, or could add a header of the sender's choosing."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError("Please write this on one line, without line breaks.", code="single_line")

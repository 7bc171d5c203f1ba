"""Rules for text that staff and patients type, shared by models and forms."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone


# Characters that force the direction of the text around them (embeddings, overrides, isolates).
# Nobody types them: pasted into a name they make it read differently on screen from what is stored
# ("Trojan Source"). The plain marks that hint direction (U+200E, U+200F) stay allowed.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
HIDDEN_DIRECTION_MESSAGE = "This contains hidden characters that turn the text around: please type it again without them."


def _refuse_direction_controls(value: str):
    if any(character in DIRECTION_CONTROLS for character in value):
        raise ValidationError(HIDDEN_DIRECTION_MESSAGE, code="direction_control")


def validate_single_line(value: str):
    """No line breaks or other control characters: the value may end up in an email
    header (the practice's name is in every subject line), where a line break makes
    the email fail to send, or could add a header of the sender's choosing. No characters
    that turn the text around either (`DIRECTION_CONTROLS`)."""
    _refuse_direction_controls(value)
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError("Please write this on one line, without line breaks or tabs.", code="single_line")


def validate_plain_text(value: str):
    """Text of several lines (a message, a note): line breaks and tabs, but no other control
    characters (a bell, a NUL) and none that turn the text around."""
    _refuse_direction_controls(value)
    if any(unicodedata.category(character) == "Cc" and character not in "\n\r\t" for character in value):
        raise ValidationError("This contains control characters that cannot be shown: please type it again.",
                              code="control_character")


# A line of a list staff type one item per line (a certification, an affiliation, a step).
LIST_LINE_MAX = 200


def validate_list_lines(value: str):
    """Text typed as a list, one item a line: plain text (`validate_plain_text`) whose lines each
    fit on a phone's screen in a few lines, so a paragraph pasted by mistake is caught."""
    validate_plain_text(value)
    for number, line in enumerate(value.splitlines(), start=1):
        if len(line.strip()) > LIST_LINE_MAX:
            raise ValidationError(
                f"Line {number} is longer than {LIST_LINE_MAX} characters: put one item on each line, briefly.",
                code="list_line_too_long",
            )


# Far enough for any real booking, holiday or notice; far inside what date arithmetic can do.
PLAUSIBLE_YEARS = 100


def validate_plausible_date(value):
    """A date (or date and time) within a century of today: anything further is a slip of the
    keyboard, and adding a day to 31 December 9999 is an error rather than a date."""
    day = value.date() if hasattr(value, "date") else value
    if abs(day.year - timezone.localdate().year) > PLAUSIBLE_YEARS:
        raise ValidationError("Please check the year.", code="implausible_date")


def npi_check_digit_is_right(npi: str) -> bool:
    """The National Provider Identifier's last digit is a Luhn check digit over the 9 digits
    before it, prefixed with 80840 (the card-issuer prefix CMS chose); as CMS describes it in
    "Requirements for NPI check digit"."""
    digits = [int(character) for character in "80840" + npi]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def validate_npi(value: str):
    """A National Provider Identifier: 10 digits, the last one a check digit."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        raise ValidationError("An NPI is 10 digits, e.g. 1234567893: please check it.", code="npi_format")
    if not npi_check_digit_is_right(value):
        raise ValidationError("This NPI's last digit does not match the others: please check for a typing slip.", code="npi_check_digit")


def validate_tax_id(value: str):
    """A federal Tax Identification Number (an EIN), written 12-3456789."""
    if len(value) != 10 or value[2] != "-" or not (value[:2] + value[3:]).isascii() or not (value[:2] + value[3:]).isdigit():
        raise ValidationError("Write the practice's tax ID (EIN) as 2 digits, a dash and 7 digits, e.g. 12-3456789.", code="tax_id_format")

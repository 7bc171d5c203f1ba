"""Phone numbers: parsed and checked with the `phonenumbers` library, US by default."""

import phonenumbers
from django.core.exceptions import ValidationError


def normalise_phone(value: str, region: str = "US") -> str:
    """Return the number in E.164 form (+13015550142), or raise ValidationError."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "Enter a full phone number with area code, for example (301) 555-0142.",
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """(301) 555-0142 for US numbers, the international form for others."""
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1 else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)

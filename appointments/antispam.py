"""A honeypot field and a signed time-trap for the booking form, instead of a CAPTCHA.

Bots fill in every box, including one people never see, and post a form the moment
they fetch it. The page carries a stamp signed with the site's key (TimestampSigner):
a form sent back within MIN_SECONDS of being shown, or with a stamp that is older
than MAX_AGE_SECONDS or was changed, is refused and nothing is saved.
(django-honeypot, which did this, does not support Django 5.2.)
"""

import time

from django.core import signing

HONEYPOT_FIELD = "website"
SALT = "appointments.antispam.form-stamp"
STAMP_VALUE = "booking-form"
MIN_SECONDS = 3
MAX_AGE_SECONDS = 2 * 60 * 60

REFUSED = "We could not take this booking online. Please try again, or call us to book."
TOO_FAST = "Please check your details, then press the button again."
STALE = "This page was open for a long time. Please check your details, then press the button again."


def new_form_stamp() -> str:
    return signing.TimestampSigner(salt=SALT).sign(STAMP_VALUE)


def stamp_problem(stamp: str) -> str:
    """Why a posted stamp is not acceptable, in words for the patient ("" if it is)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        signer.unsign(stamp or "", max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return STALE
    # The signature is good, so the stamp is exactly "value:timestamp:signature".
    issued_at = signing.b62_decode(stamp.split(signer.sep)[1])
    if time.time() - issued_at < MIN_SECONDS:
        return TOO_FAST
    return ""


def stamp_to_render(posted_stamp: str | None) -> str:
    """The stamp for a form shown again after an error: the posted one while it is still
    good (its clock keeps running, so "too fast" passes on the next try), else a new one."""
    if posted_stamp and stamp_problem(posted_stamp) in ("", TOO_FAST):
        return posted_stamp
    return new_form_stamp()

"""A honeypot field and a signed form stamp for the patient forms, instead of a CAPTCHA.

Bots fill in every box, including one people never see, and post a form the moment
they fetch it. Each form shown carries a stamp signed with the site's key
(TimestampSigner) holding a random number and the browser it was shown to (a digest of
the browser's CSRF cookie). A form sent back within MIN_SECONDS of being shown, with a
stamp older than MAX_AGE_SECONDS, changed, or from another browser, is refused and
nothing is saved.

The random number also names the form (`form_key`): what one form books or sends is
saved once, however often it is sent (a double click, a re-send after a lost connection,
a replay), and a repeat answers with what the first one saved. Since the stamp only works
in the browser it was shown to, that answer only ever reaches that browser.
(django-honeypot, which did the honeypot, does not support Django 5.2.)
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.middleware.csrf import get_token

HONEYPOT_FIELD = "website"
SALT = "appointments.antispam.form-stamp"
MIN_SECONDS = 3
MAX_AGE_SECONDS = 2 * 60 * 60

REFUSED = "We could not take this booking online. Please try again, or call us to book."
# The forms turn this one into a plain next step (PatientDetailsForm.confirm_message): a person
# whose browser filled the form in is asked to press the button again, with everything kept.
TOO_FAST = "Please check your details, then press the button again."
STALE = "This page was open for a long time. Please check your details, then press the button again."
OTHER_BROWSER = "This form was opened in another window or browser. Please check your details, then press the button again."


def key_of_secret(secret: str) -> str:
    return hashlib.sha256(f"{SALT}:{secret}".encode()).hexdigest()[:24]


def browser_key(request) -> str:
    """What ties a form to the browser it was shown to: a digest of its CSRF cookie's secret
    (which get_token gives the browser, if it has none yet, with this response)."""
    if not request.META.get("CSRF_COOKIE"):
        get_token(request)
    return key_of_secret(request.META.get("CSRF_COOKIE", ""))


def new_form_stamp(request) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{secrets.token_urlsafe(16)}.{browser_key(request)}")


@dataclass(frozen=True)
class Stamp:
    problem: str  # in words for the patient; "" if the stamp is good
    form_key: str = ""  # names the form: the same for every sending of it


def read_stamp(stamp: str, browser: str) -> Stamp:
    """What a posted stamp says, for the browser (`browser_key`) that sent it."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(stamp or "", max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return Stamp(STALE)
    number, _, shown_to = value.partition(".")
    if shown_to != browser:
        return Stamp(OTHER_BROWSER)
    # The signature is good, so the stamp is exactly "value:timestamp:signature".
    issued_at = signing.b62_decode(stamp.split(signer.sep)[1])
    if time.time() - issued_at < MIN_SECONDS:
        return Stamp(TOO_FAST)
    return Stamp("", hashlib.sha256(number.encode()).hexdigest())


def stamp_to_render(request, posted_stamp: str | None) -> str:
    """The stamp for a form shown again after an error: the posted one while it is still
    good (its clock keeps running, so "too fast" passes on the next try; it still names the
    same form), else a new one."""
    if posted_stamp and read_stamp(posted_stamp, browser_key(request)).problem in ("", TOO_FAST):
        return posted_stamp
    return new_form_stamp(request)


def check_traps(form, data: dict, refused: str = REFUSED):
    """What every patient form's clean() checks last: the honeypot, then the stamp, which must
    belong to `form.browser`. A form sent back too fast and otherwise fine asks to be confirmed
    (`form.confirm_message`, code "too_fast"); a form with mistakes is shown again anyway, and
    its stamp is kept, so the next try is judged on its own time. Sets `form.form_key`."""
    if data.get(HONEYPOT_FIELD):
        raise ValidationError(refused, code="spam")
    stamp = read_stamp(data.get("form_stamp", ""), form.browser)
    if stamp.problem == TOO_FAST and not form.errors:
        raise ValidationError(form.confirm_message, code="too_fast")
    if stamp.problem and not form.errors:
        raise ValidationError(stamp.problem, code="form_stamp")
    form.form_key = stamp.form_key

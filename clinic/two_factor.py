"""Two-factor sign-in for staff: a code from an authenticator app (TOTP), or a recovery code.

django-otp holds the devices and checks the codes: an authenticator app is a `TOTPDevice`,
the recovery codes are one `StaticDevice` whose codes are used up one by one. Each device
throttles itself: after a wrong code the next try must wait 1, 2, 4, 8 … seconds, across
addresses and sessions (its failure count is in the database). A session is "verified" once
a code was accepted in it (django_otp.login); `clinic.admin_site` asks for that before any
admin page when STAFF_TWO_FACTOR_REQUIRED is on.

Every staff account needs it, not only those that can open patient records today: a
content editor added to the front desk group tomorrow would otherwise open patient records
with a password alone.
"""

import io
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6


def is_required(user) -> bool:
    return settings.STAFF_TWO_FACTOR_REQUIRED and user.is_authenticated and user.is_staff


def has_passed(request) -> bool:
    """Whether this request may open the admin as far as the second factor goes."""
    user = request.user
    if not is_required(user):
        return True
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return bool(is_verified and is_verified())


def authenticator_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def start_enrolment(user) -> TOTPDevice:
    """The not yet confirmed authenticator this user is adding (the same one on every visit
    to the page, so a QR code already scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def finish_enrolment(request, device: TOTPDevice, code: str) -> tuple[list[str] | None, int]:
    """Confirm the authenticator with a code from it. Returns the new recovery codes (to be shown
    once), or None and the seconds the next try must wait when the code was wrong."""
    if django_otp.verify_token(request.user, device.persistent_id, normalise(code)) is None:
        return None, seconds_to_wait(TOTPDevice.objects.get(pk=device.pk))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        codes = replace_recovery_codes(request.user)
    device.refresh_from_db()
    mark_verified(request, device)
    return codes, 0


def replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(request, code: str) -> tuple[bool, int]:
    """Check a code from the authenticator app (six digits), or a recovery code (used up once
    accepted). Returns whether it was accepted and, if not, how many seconds the next try must
    wait. Each kind is tried on its own device only, so a mistyped recovery code does not also
    slow down the app's codes."""
    code = normalise(code)
    user = request.user
    if code.isdigit() and len(code) == TOTP_DIGITS:
        device = authenticator_of(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False, 0
    accepted = django_otp.verify_token(user, device.persistent_id, code)
    if accepted is not None:
        mark_verified(request, accepted)
        return True, 0
    return False, seconds_to_wait(type(device).objects.get(pk=device.pk))


def seconds_to_wait(device) -> int:
    """How long a device makes the next try wait after wrong codes (django-otp's throttle)."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or not details.get("locked_until"):
        return 0
    return max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)


def mark_verified(request, device):
    # A new session key once the second factor is in, as Django does after the password.
    request.session.cycle_key()
    django_otp.login(request, device)


def normalise(code: str) -> str:
    """What staff type, as the devices store it: no spaces or dashes, recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()[:32]


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[start:start + 4] for start in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The authenticator's set-up link as an SVG QR code, drawn here: the secret never leaves
    the site (no image service), and inline SVG needs nothing the Content-Security-Policy refuses."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8, border=4)
    output = io.BytesIO()
    image.save(output)
    svg = output.getvalue().decode()
    svg = svg[svg.index("<svg"):]  # without the XML declaration
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" class="two-factor-qr" ', 1)
    return mark_safe(svg)  # noqa: S308  drawn by qrcode from our own link; nothing typed by anyone

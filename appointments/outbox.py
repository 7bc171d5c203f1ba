"""The outbox: emails are saved as rows in the transaction of the change they are about,
then sent by the outbox worker (`manage.py send_outbox --forever`), never by the request
that made the change. Claiming, sending, retrying and giving up live here; what is sent,
and in which words, in `appointments.notifications`.

A mail server that is down or hung never loses a message and never slows a page: the
request only saves rows, and the worker, polling every second, sends them. A failure
leaves the message failed, to be retried with back-off; a message the mail server
refuses for good (a permanent 5xx refusal, a header it cannot carry) is abandoned after
a few tries, and the front desk sees it in the admin. Every message is claimed with a
conditional UPDATE right before it is sent, so any number of workers may run at once
(one on each app server) and none sends a message twice. Logs carry message ids and
kinds only.

Bodies are stored with `MANAGE_LINK_PLACEHOLDER` where the patient's manage link goes:
the link is made from the appointment at the moment of sending (`Appointment.manage_url`),
so no stored row ever holds a link that opens an appointment. A message with an
`html_body` goes out as multipart/alternative (the plain text first, then the HTML, which
gets the same links filled in); one queued without it (before HTML parts existed) is sent
as plain text, as it always was.
"""

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import dateformat, timezone
from django.utils.html import escape

from appointments.models import BookingSettings, OutboxMessage, WaitlistOffer
from clinic.hours import PRACTICE_TIME_ZONE

logger = logging.getLogger(__name__)

# A claimed message is left alone by other senders for this long. One message is claimed
# right before it is sent, so this only has to outlast a single SMTP conversation.
CLAIM_DURATION = timedelta(minutes=5)
# Wait before attempt 2, 3, 4, …; the last step repeats.
RETRY_DELAYS = [timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 240, 720, 1440)]
# A message still failing after this many scheduled tries (about four and a half days of a
# mail server that is down) is abandoned: a late reminder or confirmation helps nobody, and
# the front desk is better off calling the patient.
SCHEDULED_TRIES_LIMIT = 10
# A waitlist offer's email (it says until when the time can be claimed) is tried at least this often:
# the offered time waits for it (appointments.waitlist), so it must go soon after a mail outage ends.
# About two hours of outage use up its tries; then it is abandoned and the time goes to the next patient.
OFFER_RETRY_AT_MOST = timedelta(minutes=15)
# A message the mail server refuses for good (5xx, or a header that cannot be sent) is
# abandoned on this try; the tries before it cover a mail server misconfigured for a moment.
PERMANENT_REFUSALS_LIMIT = 3
BATCH_SIZE = 100
# Where the patient's manage link goes in a stored body; filled in only when the email is sent.
MANAGE_LINK_PLACEHOLDER = "[[manage-link]]"
# Where the link to a good faith estimate goes (behind the manage link, or the estimate's own link).
ESTIMATE_LINK_PLACEHOLDER = "[[estimate-link]]"
# Where a waitlist entry's own page goes, and the link to claim an offered time (appointments.waitlist).
WAITLIST_LINK_PLACEHOLDER = "[[waitlist-link]]"
CLAIM_LINK_PLACEHOLDER = "[[claim-link]]"
# Until when an offered time can be claimed: its window runs from when the email goes out (WaitlistOffer).
CLAIM_UNTIL_PLACEHOLDER = "[[claim-until]]"
# Said instead of a link that can no longer be made (its appointment or estimate is gone).
NO_MANAGE_LINK = "(please call us to change this visit)"
NO_ESTIMATE_LINK = "(please call us for your estimate)"
NO_WAITLIST_LINK = "(please call us about the waitlist)"
NO_CLAIM_UNTIL = "it goes to the next patient"
FALLBACKS = {ESTIMATE_LINK_PLACEHOLDER: NO_ESTIMATE_LINK, MANAGE_LINK_PLACEHOLDER: NO_MANAGE_LINK,
             WAITLIST_LINK_PLACEHOLDER: NO_WAITLIST_LINK, CLAIM_LINK_PLACEHOLDER: NO_WAITLIST_LINK,
             CLAIM_UNTIL_PLACEHOLDER: NO_CLAIM_UNTIL}


def queue(messages):
    """Save the messages (None entries are skipped) for the outbox worker to send. Must run
    inside the transaction that makes the change the messages are about: the worker, on
    its own connection, sees them only once that transaction commits."""
    for message in messages:
        if message is None:
            continue
        message.save()
        logger.info("Queued outbox message %s (%s)", message.pk, message.kind)


def _due(now, retry_now=False):
    """Messages to try now. A message stuck in “sending” after its claim ran out belongs to
    a sender that died mid-way: it is tried again, since a duplicate beats a lost email.
    `retry_now` also takes failed messages whose next try is still to come (after a mail
    outage is over, there is no need to wait out the back-off). Abandoned and sent
    messages are never due."""
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    waiting = Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED])
    if not retry_now:
        waiting &= Q(next_attempt_at__lte=now)
    stuck = Q(status=OutboxMessage.Status.SENDING)
    return OutboxMessage.objects.filter(unclaimed & (waiting | stuck))


def _claim(message_id, now, retry_now=False) -> bool:
    """Claim one message with a conditional UPDATE. Two workers (on two app servers, or a
    worker and a `--retry-now` run) may pick the same row; the database applies one UPDATE
    after the other, the second no longer matches, and only one of them sends."""
    return bool(
        _due(now, retry_now).filter(pk=message_id).update(status=OutboxMessage.Status.SENDING, claimed_until=now + CLAIM_DURATION)
    )


# An email due this long ago and not tried yet: no worker is sending (`send_outbox --forever` stopped,
# or never started), or a hung mail server has the worker go through the queue slower than it fills.
# /healthz says "stalled". A failed message waiting for its next try, or one being sent (claimed), is not due.
STALLED_AFTER = timedelta(minutes=10)


def health(now=None) -> str:
    """For /healthz (through clinic.seams): "stalled" when a message has been due for STALLED_AFTER, else "ok"."""
    return "stalled" if _due((now or timezone.now()) - STALLED_AFTER).exists() else "ok"


def due_ids(now=None, retry_now=False, limit=None) -> list[int]:
    """The ids of the messages due now, oldest due first."""
    ids = _due(now or timezone.now(), retry_now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    return list(ids if limit is None else ids[:limit])


def send_due(now=None, limit=BATCH_SIZE, message_ids=None, retry_now=False, stop_after_failure=False, should_stop=None) -> int:
    """Send up to `limit` due messages (only `message_ids`, if given); returns how many were
    sent. This is what the outbox worker runs every second, and what tests call to deliver
    the outbox. Each message is claimed right before it is sent, so a slow mail server
    cannot make a claim run out while the message still waits in this batch; each is tried
    at most once per call. `should_stop()` is asked between messages (a worker told to stop)."""
    clock = (lambda: now) if now else timezone.now
    candidates = _due(clock(), retry_now)
    if message_ids is not None:
        candidates = candidates.filter(pk__in=message_ids)
    candidate_ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    connection = get_connection()
    sent = 0
    for message_id in candidate_ids:
        if should_stop is not None and should_stop():
            break
        attempt_time = clock()
        forced = retry_now and not _due(attempt_time).filter(pk=message_id).exists()
        if not _claim(message_id, attempt_time, retry_now):
            continue
        delivered = _deliver(OutboxMessage.objects.select_related("appointment").get(pk=message_id), connection, attempt_time, forced)
        if delivered:
            sent += 1
        elif delivered is False and stop_after_failure:  # None: not sent, and not the mail server's doing
            break
    return sent


def message_id_header(message) -> str:
    """The same Message-ID on every attempt at one outbox message, so a mail server or
    mail program that sees a message twice (a sender that died after the server
    accepted it) can tell it is the same one."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox.{message.pk}.{int(message.created_at.timestamp())}@{host}>"


def claim_until_words(when) -> str:
    """An offer's end as the email says it, e.g. "3:15 PM on Tuesday, March 2 (Eastern time)"."""
    return dateformat.format(timezone.localtime(when, PRACTICE_TIME_ZONE), r"g:i A \o\n l, F j") + " (Eastern time)"


def offer_of(message):
    """The waitlist offer a message is about (None: not about one, or the offer is gone)."""
    about = getattr(message, "waitlist", None)
    return about.offer if about is not None else None


def offer_email_and_end(message, now):
    """For the email of a waitlist offer (it says until when): the offer, and the end it gets if the
    email goes out `now` (WaitlistOffer.claim_until_if_emailed). (None, None) for any other email,
    or when the offer is gone."""
    offer = offer_of(message) if CLAIM_UNTIL_PLACEHOLDER in message.body else None
    if offer is None:
        return None, None
    return offer, offer.claim_until_if_emailed(now, BookingSettings.load(fresh=True))


def links_to_fill_in(message, body, claim_until=None) -> dict[str, str | None]:
    """What each link placeholder in `body` becomes: the link made now (so it is the appointment's
    current one), or None when it can no longer be made (the appointment or estimate was deleted
    since) and the patient is asked to call instead. `claim_until`: the end of the offer the email
    is about, as `offer_email_and_end` gives it."""
    links = {}
    if CLAIM_UNTIL_PLACEHOLDER in body:
        links[CLAIM_UNTIL_PLACEHOLDER] = claim_until_words(claim_until) if claim_until is not None else None
    if ESTIMATE_LINK_PLACEHOLDER in body:
        estimate = message.estimates.select_related("appointment").first()
        links[ESTIMATE_LINK_PLACEHOLDER] = estimate.patient_url() if estimate is not None else None
    if MANAGE_LINK_PLACEHOLDER in body:
        links[MANAGE_LINK_PLACEHOLDER] = message.appointment.manage_url() if message.appointment is not None else None
    if WAITLIST_LINK_PLACEHOLDER in body or CLAIM_LINK_PLACEHOLDER in body:
        about = getattr(message, "waitlist", None)
        entry, offer = (about.entry, about.offer) if about is not None else (None, None)
        links[WAITLIST_LINK_PLACEHOLDER] = entry.page_url() if entry is not None else None
        links[CLAIM_LINK_PLACEHOLDER] = offer.claim_url() if offer is not None else None
    return links


def body_to_send(message, claim_until=None) -> str:
    """The stored plain text with the patient's links filled in (`links_to_fill_in`)."""
    body = message.body
    for placeholder, link in links_to_fill_in(message, body, claim_until).items():
        body = body.replace(placeholder, link or FALLBACKS[placeholder])
    return body


def html_body_to_send(message, claim_until=None) -> str:
    """The stored HTML part with the same links filled in, escaped for HTML. A link that can no
    longer be made takes its whole <a> element with it: the words asking the patient to call stand
    in its place, as in the plain text."""
    html = message.html_body
    for placeholder, link in links_to_fill_in(message, html, claim_until).items():
        if link is None:
            anchor = re.compile(r'<a\b[^>]*href="' + re.escape(placeholder) + r'[^"]*"[^>]*>.*?</a>', re.DOTALL)
            html = anchor.sub(escape(FALLBACKS[placeholder]), html)
            html = html.replace(placeholder, escape(FALLBACKS[placeholder]))
        else:
            html = html.replace(placeholder, escape(link))
    return html


def is_permanent(error) -> bool:
    """Whether trying again cannot help: the mail server refused the message, sender or every
    recipient with a 5xx reply, or the message cannot be written at all (a bad header). A
    mail server that is down, hung or busy (4xx) is not permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)  # BadHeaderError, and what email's header encoding refuses


@dataclass(frozen=True)
class Failure:
    """What one failed try leaves on the message."""

    status: str
    scheduled_tries: int
    next_attempt_at: object

    @classmethod
    def after(cls, message, error, now, forced):
        """A forced try (`--retry-now`, before the message's time) keeps its schedule: the next
        scheduled try stays when it was, and the back-off does not grow."""
        attempts = message.attempts + 1
        if is_permanent(error) and attempts >= PERMANENT_REFUSALS_LIMIT:
            return cls(OutboxMessage.Status.ABANDONED, message.scheduled_tries, None)
        if forced:
            return cls(OutboxMessage.Status.FAILED, message.scheduled_tries, message.next_attempt_at)
        scheduled_tries = message.scheduled_tries + 1
        if scheduled_tries >= SCHEDULED_TRIES_LIMIT:
            return cls(OutboxMessage.Status.ABANDONED, scheduled_tries, None)
        delay = RETRY_DELAYS[min(scheduled_tries, len(RETRY_DELAYS)) - 1]
        if CLAIM_UNTIL_PLACEHOLDER in message.body:  # a waitlist offer's email
            delay = min(delay, OFFER_RETRY_AT_MOST)
        return cls(OutboxMessage.Status.FAILED, scheduled_tries, now + delay)


def _deliver(message, connection, now, forced=False) -> bool | None:
    """Send one claimed message: True when sent, False when the mail server failed, None when it is no
    longer to be sent (a waitlist offer that ended before its email could go out)."""
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING)
    offer, claim_until = offer_email_and_end(message, now)
    if offer is not None and _offer_has_ended(offer, claim_until, now):
        claimed.update(status=OutboxMessage.Status.DROPPED, claimed_until=None,
                       last_error="The waitlist offer ended before its email could go out.")
        logger.info("Outbox message %s (%s) not sent: its waitlist offer had ended", message.pk, message.kind)
        return None
    try:
        email = EmailMultiAlternatives(
            message.subject, body_to_send(message, claim_until), to=[message.to], connection=connection,
            headers={"Message-ID": message_id_header(message)},
        )
        if message.html_body:
            email.attach_alternative(html_body_to_send(message, claim_until), "text/html")
        if message.attachment_name:
            email.attach(message.attachment_name, message.attachment_content, message.attachment_mimetype or None)
        email.send()
    except Exception as error:
        failure = Failure.after(message, error, now, forced)
        claimed.update(
            status=failure.status,
            attempts=F("attempts") + 1,
            scheduled_tries=failure.scheduled_tries,
            # The class and the server's words, never the message itself.
            last_error=" ".join(f"{type(error).__name__}: {error}".split())[:500],
            next_attempt_at=failure.next_attempt_at or message.next_attempt_at,
            claimed_until=None,
        )
        if failure.status == OutboxMessage.Status.ABANDONED:
            logger.error("Outbox message %s (%s) abandoned after %s tries (%s)", message.pk, message.kind, message.attempts + 1,
                         type(error).__name__)
            if offer is not None:
                _end_offer_never_emailed(offer)
        else:
            logger.warning("Outbox message %s (%s) failed on attempt %s (%s); next try at %s", message.pk, message.kind,
                           message.attempts + 1, type(error).__name__, failure.next_attempt_at.isoformat(timespec="seconds"))
        return False
    claimed.update(status=OutboxMessage.Status.SENT, sent_at=now, claimed_until=None)
    if offer is not None:
        _start_claim_window(offer, claim_until, now)
    logger.info("Sent outbox message %s (%s)", message.pk, message.kind)
    return True


def _offer_has_ended(offer, claim_until, now) -> bool:
    """An offer no longer open (claimed, taken, withdrawn, expired), or whose time to claim would already
    be over: sending its email would ask the patient for something they cannot do."""
    return offer.status != WaitlistOffer.Status.OPEN or offer.has_run_out(now) or claim_until <= now


def _end_offer_never_emailed(offer):
    """The email of an offer was given up on (the address refuses mail, or a long outage): the offer
    ends, so its time goes to the next patient instead of waiting for an email that will not come."""
    WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOffer.Status.OPEN, emailed_at__isnull=True).update(
        status=WaitlistOffer.Status.EXPIRED,
    )


def _start_claim_window(offer, claim_until, now):
    """A waitlist offer's email went out at `now`: its time to claim runs from now, to the end the email
    said (a mail outage must not use up a patient's time before they are told)."""
    WaitlistOffer.objects.filter(pk=offer.pk, status=WaitlistOffer.Status.OPEN, emailed_at__isnull=True).update(
        emailed_at=now, expires_at=claim_until,
    )

"""The outbox: emails are saved as rows in the transaction of the change they are about,
then sent. Claiming, sending and retrying live here; what is sent, and in which words,
in `appointments.notifications`.

A mail server that is down or hung never loses a message and never fails the change:
the first attempt happens after the transaction commits, a failure only leaves the
message failed, and `manage.py send_outbox` retries it with back-off. Every message is
claimed with a conditional UPDATE right before it is sent, so any number of senders
may run at once and none sends a message twice. Logs carry message ids and kinds only.
"""

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appointments.models import OutboxMessage

logger = logging.getLogger(__name__)

# A claimed message is left alone by other senders for this long. One message is claimed
# right before it is sent, so this only has to outlast a single SMTP conversation.
CLAIM_DURATION = timedelta(minutes=5)
# Wait before attempt 2, 3, 4, …; the last step repeats.
RETRY_DELAYS = [timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 240, 720, 1440)]


def queue(messages):
    """Save the messages (None entries are skipped) and try them once the transaction commits.
    Must run inside the transaction that makes the change the messages are about."""
    messages = [message for message in messages if message is not None]
    for message in messages:
        message.save()
        logger.info("Queued outbox message %s (%s)", message.pk, message.kind)
    message_ids = [message.pk for message in messages]
    transaction.on_commit(lambda: _send_after_commit(message_ids))


def _send_after_commit(message_ids):
    """Try the new messages at once. Whatever goes wrong stays here: the change is already
    saved and `send_outbox` will retry, so the patient must not see an error page."""
    try:
        # A patient is waiting for the page: if the mail server fails once, leave the rest to send_outbox.
        send_pending(message_ids=message_ids, stop_after_failure=True)
    except Exception as error:
        logger.warning(
            "Could not send outbox messages %s after commit (%s); send_outbox will retry", message_ids, type(error).__name__
        )


def _due(now, retry_now=False):
    """Messages to try now. A message stuck in “sending” after its claim ran out belongs to
    a sender that died mid-way: it is tried again, since a duplicate beats a lost email.
    `retry_now` also takes failed messages whose next try is still to come (after a mail
    outage is over, there is no need to wait out the back-off)."""
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    waiting = Q(status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED])
    if not retry_now:
        waiting &= Q(next_attempt_at__lte=now)
    stuck = Q(status=OutboxMessage.Status.SENDING)
    return OutboxMessage.objects.filter(unclaimed & (waiting | stuck))


def _claim(message_id, now, retry_now=False) -> bool:
    """Claim one message with a conditional UPDATE. Two senders (two cron runs, or cron and
    a request's after-commit send) may pick the same row; the database applies one UPDATE
    after the other, the second no longer matches, and only one of them sends."""
    return bool(
        _due(now, retry_now).filter(pk=message_id).update(status=OutboxMessage.Status.SENDING, claimed_until=now + CLAIM_DURATION)
    )


def count_due(now=None, retry_now=False) -> int:
    return _due(now or timezone.now(), retry_now).count()


def send_pending(now=None, limit=100, message_ids=None, stop_after_failure=False, retry_now=False) -> int:
    """Send up to `limit` due messages (only `message_ids`, if given); returns how many were sent.
    Each message is claimed right before it is sent, so a slow mail server cannot make a
    claim run out while the message still waits in this batch."""
    clock = (lambda: now) if now else timezone.now
    candidates = _due(clock(), retry_now)
    if message_ids is not None:
        candidates = candidates.filter(pk__in=message_ids)
    candidate_ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    connection = get_connection()
    sent = 0
    for message_id in candidate_ids:
        if not _claim(message_id, clock(), retry_now):
            continue
        if _deliver(OutboxMessage.objects.get(pk=message_id), connection, clock()):
            sent += 1
        elif stop_after_failure:
            break
    return sent


def message_id_header(message) -> str:
    """The same Message-ID on every attempt at one outbox message, so a mail server or
    mail program that sees a message twice (a sender that died after the server
    accepted it) can tell it is the same one."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox.{message.pk}.{int(message.created_at.timestamp())}@{host}>"


def _deliver(message, connection, now) -> bool:
    email = EmailMessage(
        message.subject, message.body, to=[message.to], connection=connection,
        headers={"Message-ID": message_id_header(message)},
    )
    if message.attachment_name:
        email.attach(message.attachment_name, message.attachment_content, message.attachment_mimetype or None)
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING)
    try:
        email.send()
    except Exception as error:
        attempts = message.attempts + 1
        delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        claimed.update(
            status=OutboxMessage.Status.FAILED,
            attempts=F("attempts") + 1,
            # The class and the server's words, never the message itself.
            last_error=" ".join(f"{type(error).__name__}: {error}".split())[:500],
            next_attempt_at=now + delay,
            claimed_until=None,
        )
        logger.warning(
            "Outbox message %s (%s) failed on attempt %s (%s); next try in %s",
            message.pk, message.kind, attempts, type(error).__name__, delay,
        )
        return False
    claimed.update(status=OutboxMessage.Status.SENT, sent_at=now, claimed_until=None)
    logger.info("Sent outbox message %s (%s)", message.pk, message.kind)
    return True

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, connections

from appointments import booking, intake, outbox, waitlist
from appointments.models import OutboxMessage

logger = logging.getLogger(__name__)

# At most this many messages per one-off run, so one run always ends; the next picks up the rest.
MAX_MESSAGES_PER_RUN = 5000
# The worker queues tomorrow's reminders this often (each visit gets one, however often it runs).
REMINDERS_EVERY_SECONDS = 60
# And deletes intake answers past the practice's retention time this often (a no-op when there are none).
PURGE_EVERY_SECONDS = 3600
# After the database failed, the worker waits this long before trying it again.
DATABASE_PAUSE_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Send the emails waiting in the outbox, and retry failed ones whose retry time has come. "
        "With --forever it is the outbox worker: it sends each new email within about a second and "
        "queues tomorrow's reminders and offers freed times to the waitlist every minute, deletes intake answers past their retention time every hour, until it gets SIGTERM or SIGINT. Safe to run on "
        "every app server at once: each message is claimed before it is sent, so none goes out twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-now", action="store_true",
            help="Also retry failed messages whose next try is still to come, each once: for when a mail outage is over. "
            "Their back-off schedule stays as it was.",
        )
        parser.add_argument("--forever", action="store_true", help="Run as the outbox worker until stopped.")
        parser.add_argument(
            "--poll-seconds", type=float, default=1.0, help="With --forever: how long to sleep when nothing is due (default 1).",
        )

    def handle(self, *args, retry_now=False, forever=False, poll_seconds=1.0, **options):
        if forever:
            self.run_worker(poll_seconds)
            return
        # The messages due when the run starts, each tried once: a message that fails again is
        # not tried again in the same run, however long the run takes.
        message_ids = outbox.due_ids(retry_now=retry_now, limit=MAX_MESSAGES_PER_RUN)
        sent = 0
        for start in range(0, len(message_ids), outbox.BATCH_SIZE):
            sent += outbox.send_due(message_ids=message_ids[start:start + outbox.BATCH_SIZE], retry_now=retry_now)
        self.stdout.write(f"Sent {sent}. {status_counts()}")

    def run_worker(self, poll_seconds):
        """Send what is due, sleep while nothing is, stop cleanly on SIGTERM or SIGINT: the
        message being sent is finished (at most EMAIL_TIMEOUT), the rest wait for the next worker."""
        stop = threading.Event()

        def stop_soon(signum, frame):
            logger.info("Outbox worker stopping (signal %s)", signum)
            stop.set()

        handlers_before = {signum: signal.signal(signum, stop_soon) for signum in (signal.SIGTERM, signal.SIGINT)}
        logger.info("Outbox worker started")
        self.stdout.write("Outbox worker started: sending queued emails every second. Stop it with SIGTERM or Ctrl-C.")
        self.stdout.flush()
        reminders_due_at = purge_due_at = 0.0
        while not stop.is_set():
            pause = poll_seconds
            try:
                if time.monotonic() >= reminders_due_at:
                    booking.send_due_reminders()
                    # Freed times offered to the waitlist (quiet hours and the claim window: appointments.waitlist).
                    waitlist.make_offers()
                    reminders_due_at = time.monotonic() + REMINDERS_EVERY_SECONDS
                if time.monotonic() >= purge_due_at:
                    intake.purge_answers()
                    purge_due_at = time.monotonic() + PURGE_EVERY_SECONDS
                # After a failure the rest of the batch waits for the next round, so a worker told to
                # stop never waits on more than one message.
                sent = outbox.send_due(stop_after_failure=True, should_stop=stop.is_set)
                if sent == outbox.BATCH_SIZE:
                    pause = 0  # more may be waiting
            except (DatabaseError, InterfaceError) as error:
                # The database restarts or is unreachable: drop the broken connection, wait, try again.
                logger.warning("Outbox worker cannot reach the database (%s); trying again in %ss",
                               type(error).__name__, DATABASE_PAUSE_SECONDS)
                connections.close_all()
                pause = DATABASE_PAUSE_SECONDS
            stop.wait(pause)
        for signum, handler in handlers_before.items():
            signal.signal(signum, handler)
        logger.info("Outbox worker stopped")
        self.stdout.write("Outbox worker stopped.")


def status_counts() -> str:
    counts = {status: OutboxMessage.objects.filter(status=status).count() for status in OutboxMessage.Status}
    return (
        f"Failed, to retry later: {counts[OutboxMessage.Status.FAILED]}. "
        f"Still waiting: {counts[OutboxMessage.Status.PENDING]}. "
        f"Not delivered (abandoned): {counts[OutboxMessage.Status.ABANDONED]}."
    )

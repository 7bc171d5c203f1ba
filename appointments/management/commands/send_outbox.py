from django.core.management.base import BaseCommand

from appointments.models import OutboxMessage
from appointments.outbox import count_due, send_pending

# At most this many batches per run, so one run always ends; the next run picks up the rest.
MAX_BATCHES = 50
BATCH_SIZE = 100


class Command(BaseCommand):
    help = (
        "Send the emails waiting in the outbox, and retry failed ones whose retry time has come. "
        "Run it from cron every few minutes. Safe to run twice at once: each message is claimed "
        "before it is sent, so none goes out twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-now", action="store_true",
            help="Also retry failed messages whose next try is still to come: for when a mail outage is over.",
        )

    def handle(self, *args, retry_now=False, **options):
        sent = 0
        for _ in range(MAX_BATCHES):
            if not count_due(retry_now=retry_now):
                break
            sent += send_pending(limit=BATCH_SIZE, retry_now=retry_now)
        failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
        waiting = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
        self.stdout.write(f"Sent {sent}. Failed, to retry later: {failed}. Still waiting: {waiting}.")

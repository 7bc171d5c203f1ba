from django.core.management.base import BaseCommand

from appointments.models import OutboxMessage
from appointments.notifications import count_due, send_pending

# At most this many batches per run, so one run always ends; the next run picks up the rest.
MAX_BATCHES = 50
BATCH_SIZE = 100


class Command(BaseCommand):
    help = (
        "Send the emails waiting in the outbox, and retry failed ones whose retry time has come. "
        "Run it from cron every few minutes. Safe to run twice at once: each message is claimed "
        "before it is sent, so none goes out twice."
    )

    def handle(self, *args, **options):
        sent = 0
        for _ in range(MAX_BATCHES):
            if not count_due():
                break
            sent += send_pending(limit=BATCH_SIZE)
        failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
        waiting = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
        self.stdout.write(f"Sent {sent}. Failed, to retry later: {failed}. Still waiting: {waiting}.")

from django.core.management import call_command
from django.core.management.base import BaseCommand

from appointments.booking import send_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminder of every confirmed appointment whose reminder is due (the booking "
        "settings' reminder time, 10:00 by default, the day before, practice time), then send the "
        "outbox. Only in the daytime (8:00 to 20:00 practice time); the outbox worker already runs "
        "this every minute. Running it again, or twice at once, sends no second reminder. A visit "
        "moved to another time gets a new reminder for its new day."
    )

    def handle(self, *args, **options):
        queued = send_due_reminders()
        self.stdout.write(f"Queued {queued} reminder(s).")
        call_command("send_outbox", stdout=self.stdout, stderr=self.stderr)

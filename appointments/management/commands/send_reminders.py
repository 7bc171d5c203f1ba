from django.core.management import call_command
from django.core.management.base import BaseCommand

from appointments.booking import send_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the day-before reminder for every requested or confirmed appointment on tomorrow's "
        "date in the practice's time zone (America/New_York), then send the outbox. Run it once a "
        "day from cron, e.g. at 10:00; running it again, or twice at once, sends no second reminder. "
        "A visit moved to another time gets a new reminder for its new day."
    )

    def handle(self, *args, **options):
        queued = send_due_reminders()
        self.stdout.write(f"Queued {queued} reminder(s).")
        call_command("send_outbox", stdout=self.stdout, stderr=self.stderr)

from django.core.management.base import BaseCommand

from appointments.intake import purge_answers
from appointments.models import BookingSettings


class Command(BaseCommand):
    help = (
        "Delete the intake answers of visits that ended longer ago than the practice keeps them "
        "(Booking settings: “keep intake answers (days after the visit)”, 30 by default; the chart is the record). "
        "What stays: that the intake was completed and reviewed, by whom and when, and the consent "
        "signatures. Run daily (deploy/systemd/clinic-purge-intake.timer). Running it again, or twice "
        "at once, deletes nothing twice."
    )

    def handle(self, *args, **options):
        booking_settings = BookingSettings.load(fresh=True)
        kept_days = booking_settings.intake_answers_kept_days
        purged = purge_answers(settings=booking_settings)
        # A count only: never which patient or what they answered.
        self.stdout.write(f"Deleted the intake answers of {purged} visit(s) that ended more than {kept_days} day(s) ago.")

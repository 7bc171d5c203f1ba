from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from appointments.intake_keys import answers_no_key_opens, reseal_answers
from clinic import encryption


class Command(BaseCommand):
    help = (
        "Intake answers and their keys (README, “Intake answers and their keys”). With --new-key: print a "
        "new key and exit. Without: seal every stored intake's answers again with the first key of "
        "INTAKE_KEYS (put the new key first, keep the old ones after it, restart the site, then run "
        "this; afterwards the old keys may be removed). Patients may keep saving meanwhile. With --check: "
        "change nothing, only count (after a restore). Exits 1 naming the intakes (by id) that no configured key opens."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="Print a new key (for INTAKE_KEYS or the keys file) and exit.")
        parser.add_argument(
            "--check", action="store_true",
            help="Change nothing: say how many intakes hold answers and whether the configured keys open them all.",
        )
        parser.add_argument("--batch-size", type=int, default=200, help="Intakes read at a time (default 200).")

    def handle(self, *args, new_key=False, check=False, batch_size=200, **options):
        if new_key:
            self.stdout.write(encryption.new_key())
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            if check:
                stored, unopenable = answers_no_key_opens(batch_size=batch_size)
                self.stdout.write(f"{stored} intake(s) hold answers; the configured keys open {stored - len(unopenable)}.")
                self._refuse(unopenable, "Give the site the key file kept with this database's backups, and check again.")
                return
            done = reseal_answers(batch_size=batch_size)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Sealed the answers of {done.resealed} intake(s) again with the newest key; "
            f"{done.already_newest} already were."
        )
        self._refuse(
            done.cannot_open,
            "Put back the key they were sealed with (after the newest) and run this again before dropping any key.",
        )
        self.stdout.write("Every stored answer now opens with the newest key alone: the older keys may be removed.")

    def _refuse(self, unopenable: list[int], what_to_do: str):
        """Exit 1 naming the intakes no key opens: by id only, never anything in them."""
        if unopenable:
            ids = ", ".join(str(pk) for pk in unopenable)
            raise CommandError(
                f"{len(unopenable)} intake(s) cannot be opened with any configured key (ids {ids}): left as they are. {what_to_do}"
            )

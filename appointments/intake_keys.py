"""Intake answers and the keys that seal them (clinic.encryption): sealing every stored answer again
with the newest key, so the older keys can be dropped (`manage.py rotate_intake_key`), and finding
the answers no configured key opens (after a restore, `rotate_intake_key --check`). Reads and
writes only the sealed column, by id: no answer is ever opened into a log or an output.
"""

from dataclasses import dataclass, field

from appointments.models import Intake
from clinic import encryption


@dataclass
class Resealing:
    """What `reseal_answers` did: how many intakes it sealed with the newest key, how many already
    were, and the ids (never anything else) of those no configured key opens."""

    resealed: int = 0
    already_newest: int = 0
    cannot_open: list[int] = field(default_factory=list)


RESEAL_ATTEMPTS = 5


def reseal_answers(*, batch_size: int = 200) -> Resealing:
    """Seal every intake's answers again with the newest key (the first of INTAKE_KEYS), so that
    the older keys can then be dropped. A batch at a time, and each row changed only if it still
    holds what was read (UPDATE ... WHERE sealed_answers = the old value): a patient who saves a
    section meanwhile wins, and that row is read and sealed again. Safe to run again, or twice at
    once; the rows no key opens are left as they are and reported by id."""
    done = Resealing()
    last_id = 0
    while True:
        batch = list(
            Intake.objects.filter(pk__gt=last_id).exclude(sealed_answers="").order_by("pk")
            .values_list("pk", "sealed_answers")[:batch_size]
        )
        if not batch:
            return done
        for pk, sealed in batch:
            _reseal_one(pk, sealed, done)
        last_id = batch[-1][0]


def _reseal_one(pk: int, sealed: str, done: Resealing):
    for _attempt in range(RESEAL_ATTEMPTS):
        if not sealed:  # purged meanwhile
            return
        if encryption.sealed_with_newest(sealed):
            done.already_newest += 1
            return
        try:
            fresh = encryption.reseal(sealed)
        except encryption.CannotOpen:
            done.cannot_open.append(pk)
            return
        if Intake.objects.filter(pk=pk, sealed_answers=sealed).update(sealed_answers=fresh):
            done.resealed += 1
            return
        # The patient saved (or the purge ran) between the read and the update: read it again.
        sealed = Intake.objects.filter(pk=pk).values_list("sealed_answers", flat=True).first() or ""
    raise RuntimeError(f"Intake {pk} changed {RESEAL_ATTEMPTS} times while it was being sealed again: run the command again.")


def answers_no_key_opens(*, batch_size: int = 500) -> tuple[int, list[int]]:
    """How many intakes hold answers, and the ids of those no configured key opens (after a
    restore, say, with the wrong key file). Reads only."""
    stored, unopenable, last_id = 0, [], 0
    while True:
        batch = list(
            Intake.objects.filter(pk__gt=last_id).exclude(sealed_answers="").order_by("pk")
            .values_list("pk", "sealed_answers")[:batch_size]
        )
        if not batch:
            return stored, unopenable
        for pk, sealed in batch:
            stored += 1
            try:
                encryption.unseal(sealed)
            except encryption.CannotOpen:
                unopenable.append(pk)
        last_id = batch[-1][0]

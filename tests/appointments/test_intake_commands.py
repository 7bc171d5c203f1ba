"""The intake's commands: `purge_intake_answers` (daily) and `rotate_intake_key`."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from appointments import intake as intakes
from appointments import intake_keys
from appointments.forms.intake import MedicinesForm
from appointments.models import ConsentSignature, Intake
from clinic import encryption
from tests.factories import INTAKE_SECRETS, fill_in_intake, make_appointment, make_dry_needling_with_screening, set_booking_settings

pytestmark = pytest.mark.django_db


def run(*arguments):
    out = StringIO()
    call_command(*arguments, stdout=out)
    return out.getvalue()


def raw_sealed(intake):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_answers FROM appointments_intake WHERE id = %s", [intake.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def visits():
    """Three visits of one treatment with complete intakes: two ended 40 days ago, one is ahead."""
    visit_type = make_dry_needling_with_screening()
    long_ago = timezone.now() - timedelta(days=40)
    past = [
        make_appointment(visit_type=visit_type, starts_at=long_ago + timedelta(hours=hour), status="completed")
        for hour in (0, 2)
    ]
    ahead = make_appointment(visit_type=visit_type)
    return [*(_filled_before(appointment) for appointment in past), fill_in_intake(ahead)]


def _filled_before(appointment):
    """An intake filled in while its visit was ahead (the forms close once it is over)."""
    starts_at, ends_at, status = appointment.starts_at, appointment.ends_at, appointment.status
    appointment.starts_at = timezone.now() + timedelta(days=2)
    appointment.ends_at = appointment.starts_at + timedelta(minutes=30)
    appointment.status = "confirmed"
    appointment.save()
    intake = fill_in_intake(appointment)
    type(appointment).objects.filter(pk=appointment.pk).update(starts_at=starts_at, ends_at=ends_at, status=status)
    return intake


# --- purge_intake_answers ---------------------------------------------------------------


def test_purge_deletes_old_answers_says_how_many_and_nothing_about_anyone(visits):
    set_booking_settings(intake_answers_kept_days=30)
    old_one, old_two, ahead = visits
    signatures = ConsentSignature.objects.count()

    output = run("purge_intake_answers")

    assert output.strip() == "Deleted the intake answers of 2 visit(s) that ended more than 30 day(s) ago."
    for intake in (old_one, old_two):
        intake.refresh_from_db()
        assert intake.sealed_answers == "" and raw_sealed(intake) == ""
        assert intake.answers_purged_at is not None
        assert intake.is_complete and intake.review == Intake.Review.NEEDS_REVIEW  # the record stays
    ahead.refresh_from_db()
    assert ahead.answers_purged_at is None
    assert ConsentSignature.objects.count() == signatures
    assert not [secret for secret in INTAKE_SECRETS if secret in output]


def test_purge_run_twice_changes_nothing_the_second_time(visits):
    set_booking_settings(intake_answers_kept_days=30)
    run("purge_intake_answers")
    purged = dict(Intake.objects.values_list("pk", "answers_purged_at"))

    assert "of 0 visit(s)" in run("purge_intake_answers")
    assert dict(Intake.objects.values_list("pk", "answers_purged_at")) == purged


def test_purge_keeps_answers_the_practice_still_keeps(visits):
    set_booking_settings(intake_answers_kept_days=60)
    assert "of 0 visit(s)" in run("purge_intake_answers")
    assert not Intake.objects.filter(answers_purged_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_purge_run_twice_at_once_purges_each_intake_once(visits):
    set_booking_settings(intake_answers_kept_days=30)
    counts, failures, start = [], [], threading.Barrier(2)

    def purge():
        try:
            start.wait()
            counts.append(intakes.purge_answers())
        except Exception as error:  # reported below; a thread's exception would be lost
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(counts) == [0, 2]
    assert Intake.objects.filter(answers_purged_at__isnull=False).count() == 2


# --- rotate_intake_key ------------------------------------------------------------------


def test_new_key_prints_a_key_and_changes_nothing(visits):
    before = dict(Intake.objects.values_list("pk", "sealed_answers"))
    key = run("rotate_intake_key", "--new-key").strip()
    Fernet(key)  # a working key
    assert dict(Intake.objects.values_list("pk", "sealed_answers")) == before


def test_rotation_reseals_everything_so_the_old_key_can_be_dropped(visits, settings):
    old = settings.INTAKE_KEYS[0]
    new = encryption.new_key()
    answers = {intake.pk: intakes.answers_of(intake) for intake in visits}
    settings.INTAKE_KEYS = [new, old]

    output = run("rotate_intake_key", "--batch-size", "2")

    assert "answers of 3 intake(s) again with the newest key; 0 already were" in output
    assert "the older keys may be removed" in output
    settings.INTAKE_KEYS = [new]
    for intake in Intake.objects.all():
        assert intakes.answers_of(intake) == answers[intake.pk]
    assert "3 already were" in run("rotate_intake_key")  # again: nothing to do


def test_rotation_names_by_id_the_intakes_no_key_opens_and_reseals_the_rest(visits, settings):
    old = settings.INTAKE_KEYS[0]
    stray = visits[2]
    with override_settings(INTAKE_KEYS=[encryption.new_key()]):  # another practice's key, say
        Intake.objects.filter(pk=stray.pk).update(sealed_answers=encryption.seal({"medicines": {"medicines": "Zyxotrel-4471"}}))
    unopenable = raw_sealed(stray)
    new = encryption.new_key()
    settings.INTAKE_KEYS = [new, old]

    with pytest.raises(CommandError) as refused:
        run("rotate_intake_key")

    assert str(refused.value).startswith(f"1 intake(s) cannot be opened with any configured key (ids {stray.pk})")
    assert "Zyxotrel" not in str(refused.value)
    assert raw_sealed(stray) == unopenable  # left as it was
    settings.INTAKE_KEYS = [new]
    for intake in visits[:2]:
        intakes.answers_of(Intake.objects.get(pk=intake.pk))  # the others opened with the new key alone


def test_rotation_without_a_key_says_so(visits, settings):
    settings.INTAKE_KEYS = []
    with pytest.raises(CommandError, match="No key to seal intake answers with"):
        run("rotate_intake_key")


def test_a_patient_saving_while_the_key_rotates_loses_nothing(settings, monkeypatch):
    """The patient saves between the rotation's read of the row and its update, on an app server
    still sealing with the old key: the rotation's update finds the row changed, reads it again
    and seals the patient's new answers with the new key."""
    old, new = settings.INTAKE_KEYS[0], encryption.new_key()
    appointment = make_appointment(visit_type=make_dry_needling_with_screening())
    intake = fill_in_intake(appointment)
    settings.INTAKE_KEYS = [new, old]
    original_reseal = encryption.reseal
    saved = []

    def patient_saves_first(token):
        if not saved:
            with override_settings(INTAKE_KEYS=[old]):
                form = MedicinesForm({"medicines": "Zyxotrel-4471, now three times daily", "blood_thinners": "no"}, appointment=appointment)
                assert form.is_valid(), form.errors
                saved.append(intakes.save_section(intake, form))
        return original_reseal(token)

    monkeypatch.setattr(encryption, "reseal", patient_saves_first)
    done = intake_keys.reseal_answers()

    assert (done.resealed, done.already_newest, done.cannot_open) == (1, 0, [])
    settings.INTAKE_KEYS = [new]
    answers = intakes.answers_of(Intake.objects.get(pk=intake.pk))
    assert answers["medicines"]["medicines"] == "Zyxotrel-4471, now three times daily"
    assert answers["pain"]["how_it_started"] == "Fell off a Krandlewood ladder"


def test_check_counts_what_the_keys_open_and_changes_nothing(visits, settings):
    before = dict(Intake.objects.values_list("pk", "sealed_answers"))
    assert run("rotate_intake_key", "--check").strip() == "3 intake(s) hold answers; the configured keys open 3."

    settings.INTAKE_KEYS = [encryption.new_key()]  # a restore with the wrong key file
    with pytest.raises(CommandError) as refused:
        run("rotate_intake_key", "--check")

    ids = ", ".join(str(intake.pk) for intake in visits)
    assert str(refused.value).startswith(f"3 intake(s) cannot be opened with any configured key (ids {ids})")
    assert dict(Intake.objects.values_list("pk", "sealed_answers")) == before

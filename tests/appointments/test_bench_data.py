"""The benchmark's data command (bench_front_desk_data), on a tiny scale."""

import pytest
from django.core.management import CommandError, call_command

from appointments import intake as intakes
from appointments.models import Appointment, Intake, Patient
from clinic.models import Provider

pytestmark = pytest.mark.django_db


def test_the_bench_data_command_makes_the_practice_asked_for_with_no_overlaps(capsys):
    call_command("bench_front_desk_data", appointments=300, patients=40, providers=3, years=1)

    assert Appointment.objects.count() == 300
    assert Patient.objects.count() == 40 and Provider.objects.count() == 3
    assert not Appointment.objects.filter(patient__isnull=True).exists()
    starts = list(Appointment.objects.values_list("provider_id", "starts_at"))
    assert len(set(starts)) == len(starts)  # slots are visit-long: a shared start is the only way to overlap
    assert {row.search_name for row in Patient.objects.all()} == {row.search_name.casefold() for row in Patient.objects.all()}
    forms = Intake.objects.count()
    assert f"Created 300 appointments for 3 providers and 40 patients, {forms} with intake forms." in capsys.readouterr().out
    # Forms for about 70 % of the visits whose answers are still kept (here all, a year ahead), and they open.
    assert 0 < forms < 300
    assert intakes.answers_of(Intake.objects.first())["pain"]["strength"] == "6"


def test_the_bench_data_command_refuses_a_database_with_appointments_unless_told_to_add():
    call_command("bench_front_desk_data", appointments=10, patients=5, providers=1, years=1)

    with pytest.raises(CommandError):
        call_command("bench_front_desk_data", appointments=10, patients=5, providers=1, years=1)
    call_command("bench_front_desk_data", appointments=10, patients=5, providers=1, years=1, add=True)
    assert Appointment.objects.count() == 20

"""Upgrading from one shared video room to a room per visit (migration 0025): visits still to come
keep the shared link their patients were sent; every video visit gets a room name of its own."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from appointments import availability_version, overlap_guard
from tests.factories import make_provider, make_visit_type

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

SHARED = "https://video.clinic.test/room/practice"
BEFORE = [("appointments", "0024_checked_in_and_staff_notes")]
AFTER = [("appointments", "0025_video_room_per_visit")]


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Later tests need every migration, and the triggers SQLite loses when a migration rebuilds the
    table: the no-overlap guard's and the availability version's (`migrate` reinstalls both after its
    own run; this test's runs are not that)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    overlap_guard.install(connection)
    availability_version.install(connection)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_upgrading_keeps_the_shared_link_for_visits_to_come_and_gives_each_video_visit_a_room():
    provider_id = make_provider().pk
    visit_type_id = make_visit_type().pk
    apps = migrate(BEFORE)
    Appointment = apps.get_model("appointments", "Appointment")
    apps.get_model("appointments", "BookingSettings").objects.update_or_create(pk=1, defaults={"video_room_url": SHARED})
    provider = apps.get_model("clinic", "Provider").objects.get(pk=provider_id)
    visit_type = apps.get_model("appointments", "VisitType").objects.get(pk=visit_type_id)
    starts = timezone.now() + timedelta(days=3)

    def visit(number, **fields):
        return Appointment.objects.create(
            reference=f"REF{number}", provider=provider, visit_type=visit_type, starts_at=starts + timedelta(hours=number),
            ends_at=starts + timedelta(hours=number, minutes=30), first_name="A", last_name="B",
            date_of_birth="1960-01-01", phone="+13015550199", email=f"p{number}@example.com", is_new_patient=False,
            manage_nonce=f"nonce{number}", **fields,
        ).pk

    to_come = visit(1, modality="video", status="confirmed")
    own = visit(2, modality="video", status="confirmed", video_link="https://video.clinic.test/own")
    cancelled = visit(3, modality="video", status="cancelled")
    office = visit(4, modality="in_office", status="confirmed")

    apps = migrate(AFTER)

    Appointment = apps.get_model("appointments", "Appointment")
    rows = {row.pk: row for row in Appointment.objects.all()}
    assert rows[to_come].video_link == SHARED  # what the patient was sent keeps working
    assert rows[own].video_link == "https://video.clinic.test/own"
    assert rows[cancelled].video_link == "" and rows[office].video_link == ""
    rooms = [rows[pk].video_room for pk in (to_come, own, cancelled)]
    assert all(len(room) >= 20 for room in rooms) and len(set(rooms)) == 3

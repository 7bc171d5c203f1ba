from datetime import datetime, time, timedelta

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.audit import register_patient_records
        from appointments.models import TelehealthPage, VisitType

        register_patient_records()
        post_migrate.connect(install_overlap_guard, sender=self, dispatch_uid="install-overlap-guard")
        from clinic.content import forget_site_content

        # The first booking step (cached like other patient pages) lists the visit types.
        post_save.connect(forget_site_content, sender=VisitType, dispatch_uid="forget-pages-save-visittype")
        post_delete.connect(forget_site_content, sender=VisitType, dispatch_uid="forget-pages-delete-visittype")
        m2m_changed.connect(forget_site_content, sender=VisitType.providers.through, dispatch_uid="forget-pages-visittype-providers")
        post_save.connect(forget_site_content, sender=TelehealthPage, dispatch_uid="forget-pages-save-telehealthpage")

    def load_demo(self, today):
        """Called by `manage.py seed_demo`, after the practice and treatment pages."""
        from appointments.demo import load_demo_booking

        load_demo_booking()

    def appointments_during(self, first_day, last_day):
        """Active visits not over yet on these days, for the holiday-hours warning in `clinic.admin`."""
        from django.utils import timezone
        from django.utils.formats import date_format

        from appointments.models import Appointment
        from clinic.hours import PRACTICE_TIME_ZONE

        window_start = datetime.combine(first_day, time.min, tzinfo=PRACTICE_TIME_ZONE)
        window_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=PRACTICE_TIME_ZONE)
        appointments = (
            Appointment.objects.active()
            .filter(starts_at__lt=window_end, ends_at__gt=window_start)
            .filter(ends_at__gt=timezone.now())
            .select_related("provider")
            .order_by("starts_at")
        )
        return [
            {
                "label": f"{a.reference} — {date_format(timezone.localtime(a.starts_at), 'D M j, H:i')}, {a.provider}",
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "admin_url": a.get_admin_url(),
            }
            for a in appointments
        ]


def install_overlap_guard(using, plan=None, **kwargs):
    """After every migrate: SQLite loses triggers when Django rebuilds a table for a schema change."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from appointments import overlap_guard

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("appointments", "0002_no_overlapping_appointments") in applied:
        overlap_guard.install(connection)

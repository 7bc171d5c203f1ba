from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.audit import register_patient_records
        from appointments.closures import CLOSURE_ACTIONS
        from appointments.coverage import visit_prices
        from appointments.demo import load_demo_booking
        from appointments.loader import booked_visits
        from appointments.models import InsurancePlan, TelehealthPage, VisitType
        from appointments.outbox import health as outbox_health
        from appointments.sitemaps import BookingSitemap, ProviderSitemap
        from clinic import seams
        from clinic.content import forget_site_content

        register_patient_records()
        post_migrate.connect(install_overlap_guard, sender=self, dispatch_uid="install-overlap-guard")
        post_migrate.connect(install_availability_triggers, sender=self, dispatch_uid="install-availability-triggers")
        # What clinic learns from this app (see clinic.seams).
        seams.provide_booked_visits(booked_visits)
        seams.provide_closure_actions(CLOSURE_ACTIONS)
        seams.provide_demo(load_demo_booking)
        seams.provide_sitemaps({"booking": BookingSitemap, "providers": ProviderSitemap})
        seams.provide_visit_prices(visit_prices)
        seams.provide_health_check("outbox", outbox_health)
        # Signals only clear the page cache: the first booking step (cached like other
        # patient pages) lists the visit types, and /telehealth/ shows the page's text.
        post_save.connect(forget_site_content, sender=VisitType, dispatch_uid="forget-pages-save-visittype")
        post_delete.connect(forget_site_content, sender=VisitType, dispatch_uid="forget-pages-delete-visittype")
        m2m_changed.connect(forget_site_content, sender=VisitType.providers.through, dispatch_uid="forget-pages-visittype-providers")
        post_save.connect(forget_site_content, sender=TelehealthPage, dispatch_uid="forget-pages-save-telehealthpage")
        # /insurance/ lists the plans, and treatment pages and booking show the visit types' self-pay prices.
        post_save.connect(forget_site_content, sender=InsurancePlan, dispatch_uid="forget-pages-save-insuranceplan")
        post_delete.connect(forget_site_content, sender=InsurancePlan, dispatch_uid="forget-pages-delete-insuranceplan")
        m2m_changed.connect(forget_site_content, sender=InsurancePlan.exceptions.through, dispatch_uid="forget-pages-insuranceplan-exceptions")


def install_overlap_guard(using, plan=None, **kwargs):
    """After every migrate: SQLite loses triggers when Django rebuilds a table for a schema change."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from appointments import overlap_guard

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("appointments", "0002_no_overlapping_appointments") in applied:
        overlap_guard.install(connection)


def install_availability_triggers(using, plan=None, **kwargs):
    """After every migrate, for the same reason (appointments.availability_version)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from appointments import availability_version

    connection = connections[using]
    if ("appointments", "0033_availability_version") in MigrationRecorder(connection).applied_migrations():
        availability_version.install(connection)

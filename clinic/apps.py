from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_delete, post_save


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Practice, hours and announcements"

    def ready(self):
        from clinic import checks  # noqa: F401 - registers the deployment checks
        from clinic.content import forget_site_content
        from clinic.models import (
            Announcement,
            HolidayHours,
            LanguageTagline,
            LegalNotice,
            LegalNoticeVersion,
            OfficeHours,
            Practice,
            Provider,
        )

        # Signals only clear a cache here; nothing else depends on them. (A scheduled notice version
        # needs no signal on its day: cached pages never outlive the coming midnight.)
        for model in (Practice, OfficeHours, HolidayHours, Announcement, Provider, LegalNotice, LegalNoticeVersion, LanguageTagline):
            post_save.connect(forget_site_content, sender=model, dispatch_uid=f"forget-site-content-save-{model.__name__}")
            post_delete.connect(forget_site_content, sender=model, dispatch_uid=f"forget-site-content-delete-{model.__name__}")


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the staff site of clinic.admin_site (the second sign-in step) as admin.site.
    Named in INSTALLED_APPS in place of django.contrib.admin; ClinicConfig stays this module's default."""

    default = False
    default_site = "clinic.admin_site.StaffAdminSite"

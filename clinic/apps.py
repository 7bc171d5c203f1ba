from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Practice, hours and announcements"

    def ready(self):
        from clinic import checks  # noqa: F401 - registers the deployment checks
        from clinic.content import forget_site_content
        from clinic.models import Announcement, HolidayHours, OfficeHours, Practice, Provider

        # Signals only clear a cache here; nothing else depends on them.
        for model in (Practice, OfficeHours, HolidayHours, Announcement, Provider):
            post_save.connect(forget_site_content, sender=model, dispatch_uid=f"forget-site-content-save-{model.__name__}")
            post_delete.connect(forget_site_content, sender=model, dispatch_uid=f"forget-site-content-delete-{model.__name__}")

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Treatment pages"

    def ready(self):
        from clinic import seams
        from clinic.content import forget_site_content
        from services.demo import load_demo_services
        from services.models import Condition, Question, Service
        from services.sitemaps import ConditionSitemap, IndexSitemap, ServiceSitemap

        seams.provide_demo(load_demo_services)
        seams.provide_sitemaps({"treatment-lists": IndexSitemap, "services": ServiceSitemap, "conditions": ConditionSitemap})

        # Cached pages show treatments and conditions: any change makes them stale.
        for model in (Service, Question, Condition):
            post_save.connect(forget_site_content, sender=model, dispatch_uid=f"forget-pages-save-{model.__name__}")
            post_delete.connect(forget_site_content, sender=model, dispatch_uid=f"forget-pages-delete-{model.__name__}")
        for through in (Service.conditions.through, Service.combined_with.through):
            m2m_changed.connect(forget_site_content, sender=through, dispatch_uid=f"forget-pages-m2m-{through.__name__}")

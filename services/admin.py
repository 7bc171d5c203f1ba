from django.contrib import admin
from django.utils.html import format_html

from services.models import Condition, Question, Service


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["order", "question", "slug", "answer"]
    prepopulated_fields = {"slug": ["question"]}
    verbose_name = "question and answer"
    verbose_name_plural = "Questions and answers (shown in order of the number; change the numbers to reorder)"


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "reviewed_on", "updated_at", "order"]
    list_editable = ["order"]
    list_filter = ["is_published", "reviewed_by"]
    list_select_related = ["reviewed_by"]
    search_fields = ["title", "summary", "questions__question"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["conditions", "combined_with"]
    inlines = [QuestionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "is_published", "order"]}),
        ("Page text", {"fields": ["summary", "intro", "aftercare"]}),
        ("Related", {"fields": ["conditions", "combined_with", "other_combined_treatments"]}),
        (
            "Clinical review",
            {"fields": ["reviewed_by", "reviewed_on"], "description": "Shown on the page: “Reviewed by … on …”."},
        ),
        ("Search engines", {"fields": ["seo_description"]}),
    ]

    @admin.display(description="status", ordering="is_published")
    def status(self, obj):
        return "Published" if obj.is_published else format_html("<em>{}</em>", "Draft")


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "is_published", "treatments", "updated_at", "order"]
    list_editable = ["order"]
    list_filter = ["is_published"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_published", "order"]}),
        (
            "Page text",
            {
                "fields": ["summary", "about", "approach"],
                "description": "The page shows the summary, then “What it is” and “How we approach it”, then the "
                "treatments for it (tick the condition on each treatment's page) with a booking button.",
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    @admin.display(description="treatments")
    def treatments(self, obj):
        return ", ".join(service.title for service in obj.services.all())

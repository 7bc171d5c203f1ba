"""The insurance plans the practice takes (and those it does not): kept by the content editors,
read by the front desk. Self-pay prices are on the visit types (appointments.admin.schedule)."""

from django.contrib import admin
from django.utils.html import format_html_join

from appointments.models import InsurancePlan


@admin.register(InsurancePlan)
class InsurancePlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_taken", "differs_for", "is_shown", "order"]
    list_filter = ["is_taken", "is_shown"]
    search_fields = ["payer", "plan_name", "note"]
    search_help_text = "Search by payer, plan or note."
    filter_horizontal = ["exceptions"]
    fieldsets = [
        (None, {
            "fields": ["payer", "plan_name", "is_taken", "exceptions"],
            "description": "A plan patients may choose when they book, and that the Insurance page lists. List the plans "
            "we do not take too: a patient who chooses one is told kindly, before booking, that we cannot bill it, with "
            "the self-pay price and our phone number. Where the answer differs for some visits (e.g. Medicare does not "
            "pay for dry needling), add those visits under “except for these visits”.",
        }),
        ("On the website", {"fields": ["note", "is_shown", "order"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("exceptions")

    @admin.display(description="except for")
    def differs_for(self, obj):
        names = [visit_type.name for visit_type in obj.exceptions.all()]
        return format_html_join(", ", "{}", ((name,) for name in names)) if names else "—"

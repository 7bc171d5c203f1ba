"""The legal notices in the admin: each notice, its versions (a version that has taken effect is
shown read-only: staff add a new one, which starts from the current text), and the language taglines."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from clinic.models import LanguageTagline, LegalNotice, LegalNoticeVersion
from clinic.models.legal import practice_today
from clinic.rich_text import render_rich_text

SAMPLE_WARNING = "The demo texts are samples written for a demo practice: counsel must review every notice before use."


def version_status(version, today) -> str:
    if version.effective_date > today:
        return "Scheduled"
    current = version.notice.version_on(today)
    return "In effect now" if current and current.pk == version.pk else "Earlier version (kept for the record)"


@admin.register(LegalNotice)
class LegalNoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "in_effect", "scheduled"]
    readonly_fields = ["rule", "versions_list", "view_on_site_link"]
    fieldsets = [
        (None, {"fields": ["slug", "title", "meta_description"], "description": SAMPLE_WARNING}),
        ("The rule it meets", {"fields": ["rule"]}),
        ("Its text, version by version", {"fields": ["versions_list", "view_on_site_link"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The address of a notice is linked from every page and every email: fixed once created.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="in effect since")
    def in_effect(self, obj):
        version = obj.current_version()
        return version.effective_date if version else "No version yet"

    @admin.display(description="next version")
    def scheduled(self, obj):
        upcoming = obj.versions.filter(effective_date__gt=practice_today()).order_by("effective_date").first()
        return upcoming.effective_date if upcoming else "—"

    @admin.display(description="the rule it meets")
    def rule(self, obj):
        return obj.rule if obj and obj.slug else "Chosen with “which notice”."

    @admin.display(description="versions")
    def versions_list(self, obj):
        if obj is None or obj.pk is None:
            return "Save the notice first, then add its text as a first version."
        today = practice_today()
        rows = format_html_join(
            "",
            '<li><a href="{}">Effective {}</a> — {}{}</li>',
            (
                (
                    reverse("admin:clinic_legalnoticeversion_change", args=[version.pk]),
                    version.effective_date.isoformat(),
                    version_status(version, today),
                    f": {version.change_summary}" if version.change_summary else "",
                )
                for version in obj.versions.order_by("-effective_date")
            ),
        )
        add_url = reverse("admin:clinic_legalnoticeversion_add") + f"?notice={obj.pk}"
        return format_html(
            '<ul>{}</ul><p><a class="addlink" href="{}">Add a new version</a> (it starts from the current text)</p>',
            rows,
            add_url,
        )

    @admin.display(description="on the website")
    def view_on_site_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())


class NoticeStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("scheduled", "Scheduled"), ("effective", "Taken effect")]

    def queryset(self, request, queryset):
        today = practice_today()
        if self.value() == "scheduled":
            return queryset.filter(effective_date__gt=today)
        if self.value() == "effective":
            return queryset.filter(effective_date__lte=today)
        return queryset


@admin.register(LegalNoticeVersion)
class LegalNoticeVersionAdmin(admin.ModelAdmin):
    list_display = ["notice", "effective_date", "status", "change_summary", "created_by"]
    list_filter = ["notice", NoticeStatusFilter]
    list_select_related = ["notice", "created_by"]
    search_fields = ["change_summary"]
    fieldsets = [
        (
            None,
            {
                "fields": ["notice", "effective_date", "change_summary", "body"],
                "description": "A version is the notice's text from one day on. Until that day you may change it; "
                "from that day it is kept exactly as patients saw it. To change a notice, add a new version: "
                "it starts from the current text. " + SAMPLE_WARNING,
            },
        ),
        ("Record", {"fields": ["created_at", "created_by"]}),
    ]
    readonly_fields = ["created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.has_taken_effect():
            return [*self.readonly_fields, "notice", "effective_date", "change_summary", "body_as_shown"]
        return [*self.readonly_fields, "notice"] if obj is not None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.has_taken_effect():
            # The text as patients saw it, rather than its HTML.
            return [
                (None, {"fields": ["notice", "effective_date", "change_summary", "body_as_shown"],
                        "description": "This version has taken effect and is kept exactly as patients saw it. "
                        "To change the notice, add a new version from the notice's page."}),
                ("Record", {"fields": ["created_at", "created_by"]}),
            ]
        return super().get_fieldsets(request, obj)

    @admin.display(description="text")
    def body_as_shown(self, obj):
        return render_rich_text(obj.body)

    def has_change_permission(self, request, obj=None):
        # A version that has taken effect opens read-only, for everyone: it is the record of what patients saw.
        if obj is not None and obj.has_taken_effect():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.has_taken_effect():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Django's bulk delete skips each row's own delete(): versions are deleted one by one, from their page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_changeform_initial_data(self, request):
        """A new version starts from the notice's current text, to take effect today."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_date", practice_today())
        notice_id = str(initial.get("notice", ""))
        notice = LegalNotice.objects.filter(pk=notice_id).first() if notice_id.isdigit() else None
        if notice is None:
            initial.pop("notice", None)
            return initial
        latest = notice.versions.order_by("-effective_date").first()
        if latest is not None:
            initial.setdefault("body", latest.body)
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="status")
    def status(self, obj):
        return version_status(obj, practice_today())


@admin.register(LanguageTagline)
class LanguageTaglineAdmin(admin.ModelAdmin):
    list_display = ["language", "native_name", "lang", "direction", "order", "is_shown"]
    list_editable = ["order", "is_shown"]
    search_fields = ["language", "native_name", "lang"]
    fieldsets = [
        (
            None,
            {
                "fields": ["language", "native_name", "lang", "text", "order", "is_shown"],
                "description": "One short sentence per language, shown on the Language help page: free language help "
                "is available, call the practice. The list of languages comes from the Census Bureau's American "
                "Community Survey figures for Maryland (see the README); change it as the practice's patients need. "
                "The texts are samples: have a qualified translator check each one before use.",
            },
        )
    ]

    @admin.display(description="writing direction")
    def direction(self, obj):
        return "right to left" if obj.dir == "rtl" else "left to right"

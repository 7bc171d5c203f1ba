"""Treatments' safety questions and consent texts: clinical content, kept by clinicians (and the
medical director), never by the website's content editors. A consent version is frozen once
published (patients may have signed it): “Add a new version” starts from its text, and
publishing goes through `appointments.intake.publish_consent`."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse

from appointments import intake as intakes
from appointments.models import ScreeningQuestion, TreatmentConsent

CLINICAL_CONTENT = (
    "Clinical content: written and checked by the clinicians and the medical director (and, for consent, the practice's "
    "counsel), not by the website's content editors. "
)


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "service", "order", "review_when", "key", "is_active"]
    list_display_links = ["question"]
    list_filter = ["service", "is_active", "review_when"]
    list_select_related = ["service"]
    ordering = ["service__title", "order", "pk"]
    search_fields = ["question"]
    search_help_text = "Search the questions' wording."
    fieldsets = [
        (None, {
            "fields": ["service", "question", "reason", "review_when", "key", "order", "is_active"],
            "description": CLINICAL_CONTENT + "Patients answer these yes-or-no questions online before the treatment. "
            "An answer that needs a clinician never turns the patient away: the visit is marked “needs clinician "
            "review”, the front desk is emailed the visit's reference, and a clinician looks before the visit.",
        }),
    ]

    def has_delete_permission(self, request, obj=None):
        # Answers name their question: stop asking one by unticking “asked” instead.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class TreatmentConsentForm(forms.ModelForm):
    class Meta:
        model = TreatmentConsent
        fields = ["service", "text"]
        help_texts = {"service": "The treatment patients sign this consent for, before their visit."}


@admin.register(TreatmentConsent)
class TreatmentConsentAdmin(admin.ModelAdmin):
    form = TreatmentConsentForm
    list_display = ["__str__", "service", "version", "state", "created_at"]
    list_filter = ["service"]
    list_select_related = ["service"]
    ordering = ["service__title", "-version"]
    actions = ["publish"]
    fieldsets = [
        (None, {
            "fields": ["service", "text"],
            "description": CLINICAL_CONTENT + "Patients sign the newest published version online (typing their full "
            "name and ticking a box); a published version cannot be changed, because patients may have signed it. "
            "To change the wording, add a new version, then publish it.",
        }),
        ("Version", {"fields": ["version", "state"]}),
    ]
    readonly_fields = ["version", "state"]

    @admin.display(description="state")
    def state(self, obj):
        if obj is None or obj.pk is None:
            return "A draft until published."
        if obj.published_at is None:
            return "Draft: patients are not asked to sign it yet."
        current = TreatmentConsent.current_for(obj.service_id)
        signed = "the version patients sign now" if current and current.pk == obj.pk else "replaced by a newer version"
        return f"Published {obj.published_at:%Y-%m-%d %H:%M}: {signed}."

    def get_readonly_fields(self, request, obj=None):
        # The treatment of a saved version stays (its numbering is per treatment).
        return [*self.readonly_fields, "service"] if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return False  # frozen: add a new version instead (TreatmentConsent.clean says so too)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A draft nobody signed may go; a published version is part of the record.
        if obj is not None and obj.published_at is not None:
            return False
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        """“Add a new version” (?from=<id>): the treatment and the text of that version."""
        initial = super().get_changeform_initial_data(request)
        source = request.GET.get("from", "")
        if source.isascii() and source.isdigit() and len(source) < 12:
            earlier = TreatmentConsent.objects.filter(pk=source).first()
            if earlier is not None:
                initial.update(service=earlier.service_id, text=earlier.text)
        return initial

    def get_urls(self):
        publish = self.admin_site.admin_view(self.publish_view)
        return [path("<str:object_id>/publish/", publish, name="appointments_treatmentconsent_publish"), *super().get_urls()]

    def publish_one(self, request, treatment_consent) -> bool:
        try:
            published = intakes.publish_consent(treatment_consent)
        except intakes.IntakeRefused as refusal:
            self.message_user(request, refusal.message, messages.WARNING)
            return False
        self.message_user(request, f"{published} is published: patients are asked to sign it from now on.", messages.SUCCESS)
        return True

    @admin.action(description="Publish the selected drafts (patients sign the newest from now on)", permissions=["change"])
    def publish(self, request, queryset):
        for treatment_consent in queryset.order_by("service_id", "version"):
            self.publish_one(request, treatment_consent)

    def publish_view(self, request, object_id):
        if not super().has_change_permission(request):
            raise PermissionDenied
        found = (TreatmentConsent.objects.filter(pk=object_id).first()
                 if object_id.isascii() and object_id.isdigit() and len(object_id) < 12 else None)
        if found is None:
            self.message_user(request, "That consent version does not exist (any more).", messages.WARNING)
            return redirect("admin:appointments_treatmentconsent_changelist")
        if request.method == "POST":
            self.publish_one(request, found)  # publish_consent refuses a version published already
        return redirect(reverse("admin:appointments_treatmentconsent_change", args=[found.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["publish_url"] = (reverse("admin:appointments_treatmentconsent_publish", args=[obj.pk])
                                      if obj.published_at is None and self.has_change_permission(request, obj) else "")
            context["new_version_url"] = (reverse("admin:appointments_treatmentconsent_add") + f"?from={obj.pk}"
                                          if self.has_add_permission(request) else "")
        return super().render_change_form(request, context, add, change, form_url, obj)

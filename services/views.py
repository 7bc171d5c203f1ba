from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from clinic import seams
from clinic.page_cache import cached_patient_page
from services.models import Condition, Service
from services.structured_data import condition_page, treatment_page


def visible_to(request, queryset):
    """Patients see published rows only; signed-in staff may preview drafts."""
    return queryset if request.user.is_staff else queryset.published()


@require_safe
@cached_patient_page
def service_list(request):
    services = Service.objects.published()
    return render(
        request,
        "services/service_list.html",
        {
            "services": services,
            "page_title": "Treatments",
            "page_description": "Treatments we offer for muscle, joint, nerve and spine pain, explained in plain words.",
        },
    )


@require_safe
@cached_patient_page
def service_detail(request, slug):
    published_only = Service.objects.published()
    service = get_object_or_404(
        visible_to(request, Service.objects.select_related("reviewed_by")).prefetch_related(
            "questions",
            Prefetch("conditions", queryset=Condition.objects.published()),
            Prefetch("combined_with", queryset=published_only),
        ),
        slug=slug,
    )
    questions = list(service.questions.all())
    return render(
        request,
        "services/service_detail.html",
        {
            "service": service,
            "questions": questions,
            # Self-pay prices of its visits: appointments holds them (clinic.seams); none without it.
            "visit_prices": seams.visit_prices(service.pk),
            "page_title": service.title,
            "page_description": service.description,
            "page_type": "article",
            "structured_data": treatment_page(service, questions, request.build_absolute_uri(service.get_absolute_url())),
        },
    )


@require_safe
@cached_patient_page
def condition_list(request):
    return render(
        request,
        "services/condition_list.html",
        {
            "conditions": Condition.objects.published().prefetch_related(
                Prefetch("services", queryset=Service.objects.published())
            ),
            "page_title": "Conditions we treat",
            "page_description": "Neck and back pain, headaches, sciatica and other conditions we treat, with the treatments for each.",
        },
    )


@require_safe
@cached_patient_page
def condition_detail(request, slug):
    condition = get_object_or_404(visible_to(request, Condition.objects.all()), slug=slug)
    services = list(visible_to(request, condition.services.all()))
    page_url = request.build_absolute_uri(condition.get_absolute_url())
    return render(
        request,
        "services/condition_detail.html",
        {
            "condition": condition,
            "services": services,
            "page_title": condition.name,
            "page_description": condition.summary,
            "page_type": "article",
            "structured_data": [condition_page(condition, services, page_url, request.build_absolute_uri("/"))],
        },
    )

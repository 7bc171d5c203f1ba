"""A provider's own page (/team/<slug>/): who they are, the treatments they offer and a button
that starts booking with them. It lives here, not in clinic, because what a provider offers
is the visit types they are booked for."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from clinic.context_processors import page_context
from clinic.models import Provider
from clinic.page_cache import cached_patient_page
from clinic.structured_data import provider_page as provider_json_ld
from services.models import Service


@require_safe
@cached_patient_page
def provider_page(request, slug):
    # Saving a provider, a visit type (or who offers it) or a treatment clears the page cache
    # (clinic.apps, appointments.apps, services.apps), so this page never shows an old team.
    provider = get_object_or_404(Provider.objects.active(), slug=slug)
    treatments = list(
        Service.objects.published().filter(visit_types__providers=provider, visit_types__is_active=True).distinct()
    )
    page_url = request.build_absolute_uri(request.path)
    image_url = request.build_absolute_uri(provider.photo.url) if provider.photo else ""
    site = page_context(request)
    return render(
        request,
        "appointments/provider.html",
        {
            "provider": provider,
            "treatments": treatments,
            "page_title": provider.display_name,
            "page_description": f"{provider.display_name}: {provider.role}. Treatments, languages spoken and online booking.",
            "structured_data": [
                provider_json_ld(provider, [service.title for service in treatments], page_url, image_url,
                                 site.practice, site.site_url),
            ],
        },
    )

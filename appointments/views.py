from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from clinic.page_cache import cached_patient_page
from services.models import Service


# Until online booking and the telehealth request form exist, these pages tell
# patients how to book by phone; the booking issues replace them with the forms.
@require_safe
@cached_patient_page
def book(request, service_slug=None):
    service = get_object_or_404(Service.objects.published(), slug=service_slug) if service_slug else None
    return render(request, "appointments/book.html", {"service": service})


@require_safe
@cached_patient_page
def telehealth(request):
    return render(request, "appointments/telehealth.html")

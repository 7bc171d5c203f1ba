from datetime import timedelta

from django.conf import settings

from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from clinic import seams
from clinic.context_processors import page_context
from clinic.hours import weekly_table
from clinic.models import Announcement, LanguageTagline, LegalNotice, Provider
from clinic.page_cache import cached_patient_page
from clinic.resilient_cache import cache_state


@require_safe
@cached_patient_page
def home(request):
    return render(request, "clinic/home.html", {"hours_shown_on_page": True})


@require_safe
@cached_patient_page
def hours(request):
    site = page_context(request)
    return render(
        request,
        "clinic/hours.html",
        {
            "weekly": weekly_table(site.content.hours.weekly),
            "upcoming_holidays": site.content.upcoming_holidays(site.today),
        },
    )


@require_safe
@cached_patient_page
def notice(request, slug):
    announcement = get_object_or_404(Announcement, slug=slug)
    is_preview = not announcement.is_live()
    if is_preview and not request.user.is_staff:
        raise Http404("No live notice with that address.")
    return render(request, "clinic/notice.html", {"announcement": announcement, "is_preview": is_preview})


@require_safe
@cached_patient_page
def team(request):
    return render(
        request,
        "clinic/team.html",
        {
            "providers": Provider.objects.active(),
            "page_title": "Our team",
            "page_description": "The physicians and clinicians who will care for you: training, special interests and video visits.",
        },
    )


# Stored pictures never change under their name (it carries a digest of the upload: clinic.images).
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
MEDIA_SUFFIXES = (".webp", ".jpg", ".jpeg", ".png")


@require_safe
def media(request, path):
    """Uploaded pictures, where no nginx serves /media/ in front of the app (`make serve`, `make run`, the
    benchmark). Only pictures: nothing else is ever stored there, and nothing else is answered."""
    if not path.lower().endswith(MEDIA_SUFFIXES):
        raise Http404("Not a picture.")
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:  # a name the file system refuses (too long, ...): no such picture
        raise Http404("No such picture.") from error
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response


@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitoring: 503 when the database does not answer, else 200.

    The cache is reported ("ok", "degraded" or "local") but never makes it 503: every app
    server shares the one Redis, so taking them out of the load balancer for it would take
    the whole site down, while they serve pages well without it. The same goes for the apps'
    own parts (clinic.seams.health_report: the outbox, "stalled" when no worker sends the
    emails); any of them not "ok" makes the status "degraded"."""
    cache = cache_state()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        parts = seams.health_report()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down", "cache": cache}, status=503)
    healthy = cache != "degraded" and all(state == "ok" for state in parts.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "database": "ok", "cache": cache, **parts})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /appointments/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
@cached_patient_page
def legal_notices(request):
    today = page_context(request).today
    notices = [(notice, notice.current_version(today)) for notice in LegalNotice.objects.all()]
    return render(
        request,
        "clinic/legal_notices.html",
        {
            "notices": [(notice, version) for notice, version in notices if version is not None],
            "page_title": "Your rights and our notices",
            "page_description": "Our privacy practices, nondiscrimination, language help, accessibility, "
            "website privacy and good faith estimates: the notices we owe our patients.",
        },
    )


@require_safe
@cached_patient_page
def legal_notice(request, slug, day=None):
    """A notice as it reads today, or (with `day`) as it read on that day, with its earlier versions listed.
    Staff may look at a scheduled version's day ahead of time; patients only at days that have come."""
    notice = get_object_or_404(LegalNotice, slug=slug)
    today = page_context(request).today
    if day is not None and day > today and not request.user.is_staff:
        raise Http404("That day has not come yet.")
    current = notice.version_on(today)
    version = notice.version_on(day or today)
    if version is None:
        raise Http404("No version of this notice was in effect then.")
    history = list(notice.versions.in_effect_by(max(today, version.effective_date)).order_by("-effective_date"))
    until = {}
    for later, earlier in zip(history, history[1:], strict=False):
        until[earlier.pk] = later.effective_date - timedelta(days=1)
    return render(
        request,
        "clinic/legal_notice.html",
        {
            "notice": notice,
            "version": version,
            "is_current": current is not None and version.pk == current.pk,
            "is_scheduled": version.effective_date > today,
            "day_asked": day,
            "history": [(entry, until.get(entry.pk)) for entry in history],
            "taglines": LanguageTagline.objects.shown() if slug == LegalNotice.Kind.LANGUAGE_HELP else (),
            "page_title": notice.title,
            "page_description": notice.meta_description,
        },
    )


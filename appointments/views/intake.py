"""The patient's intake forms, behind their manage link (no account): an overview, one section per
page in order, and a "done" page. Every change is a POST to `appointments.intake.save_section`,
followed by a redirect; a GET changes nothing (a mail scanner following the link makes no row).

Privacy: no page is cached anywhere (never_cache: no-store; no `cached_patient_page`), answers
never go into an address or a log, and the POST values are hidden from error reports.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments import intake as intakes
from appointments.forms.intake import ConsentForm, ScreeningForm
from appointments.models import BookingSettings, Intake
from appointments.views.flow import VisitSummary
from appointments.views.manage import appointment_for
from clinic import encryption

# What the overview says it takes, by kind of intake.
MINUTES = {Intake.Kind.NEW_PATIENT: "about 10 minutes", Intake.Kind.FOLLOW_UP: "about 2 minutes"}


@dataclass(frozen=True)
class SectionStep:
    """A section as the overview lists it."""

    number: int
    slug: str
    title: str
    done: bool
    may_open: bool


def will_call(intake: Intake) -> bool:
    """Whether the patient is told that someone from the practice will call before the visit: an
    answer waits for a clinician, or the clinician asked the front desk to call."""
    return intake.review in (Intake.Review.NEEDS_REVIEW, Intake.Review.CALL)


def _closed(request, appointment, token, closed: intakes.IntakeClosed):
    """The kind page instead of the forms: the visit is cancelled or over (410), or the forms are
    not available now (200: the patient can still fill them in at the office)."""
    gone = not appointment.is_active or appointment.is_over(timezone.now())
    return render(request, "appointments/intake/closed.html", {
        "appointment": appointment, "token": token, "message": closed.message,
    }, status=410 if gone else 200)


def _context(appointment, token, intake, sections, **extra):
    return {
        "appointment": appointment,
        "summary": VisitSummary.of(appointment),
        "token": token,
        "intake": intake,
        "sections_count": len(sections),
        "will_call": will_call(intake),
        **extra,
    }


@never_cache
@require_safe
def intake_overview(request, token):
    appointment = appointment_for(token)
    try:
        intake = intakes.intake_for(appointment)
    except intakes.IntakeClosed as closed:
        return _closed(request, appointment, token, closed)
    sections = intakes.sections_for(appointment, intake)
    following = intakes.next_section(intake, sections)
    steps = [
        SectionStep(number, form.slug, form.title, form.slug in intake.sections_done, intakes.may_open(intake, sections, form.slug))
        for number, form in enumerate(sections, start=1)
    ]
    return render(request, "appointments/intake/overview.html", _context(
        appointment, token, intake, sections,
        steps=steps,
        following=following,
        started=bool(intake.sections_done),
        minutes=MINUTES.get(intake.kind, MINUTES[Intake.Kind.NEW_PATIENT]),
        kept_days=BookingSettings.load().intake_answers_kept_days,
    ))


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def intake_section(request, token, slug):
    """One section: the form with the answers saved before, or (POST) the answers checked and
    saved, then the next section to do; on a mistake, the page again with everything typed."""
    appointment = appointment_for(token)
    try:
        intake = intakes.intake_for(appointment)
    except intakes.IntakeClosed as closed:
        return _closed(request, appointment, token, closed)
    sections = intakes.sections_for(appointment, intake)
    slugs = [form.slug for form in sections]
    if slug not in slugs:
        raise Http404
    if not intakes.may_open(intake, sections, slug):
        # Sections open in order (the safety questions depend on the answers before them).
        return redirect("appointments:intake_section", token=token, slug=intakes.next_section(intake, sections).slug)
    form_class = sections[slugs.index(slug)]
    try:
        answers = intakes.answers_of(intake)
    except encryption.CannotOpen:
        return _closed(request, appointment, token, intakes.IntakeClosed(intakes.NOT_AVAILABLE))
    options = {"appointment": appointment, "initial": answers.get(slug)}
    if form_class is ScreeningForm:
        options["questions"] = intakes.questions_to_ask(appointment, intake, answers)
    if request.method == "POST":
        form = form_class(request.POST, **options)
        if form.is_valid():
            try:
                intake = intakes.save_section(intakes.open_intake(appointment), form)
            except intakes.IntakeClosed as closed:
                return _closed(request, appointment, token, closed)
            following = intakes.next_section(intake, intakes.sections_for(appointment, intake))
            if following is None:
                return redirect("appointments:intake_done", token=token)
            return redirect("appointments:intake_section", token=token, slug=following.slug)
    else:
        form = form_class(**options)
    extra = {}
    if form_class is ConsentForm:
        extra["consents"] = intakes.consents_to_sign(appointment, intake)
        extra["signatures"] = list(intake.signatures.all()) if intake.pk is not None else []
    return render(request, "appointments/intake/section.html", _context(
        appointment, token, intake, sections,
        form=form,
        section=form_class,
        number=slugs.index(slug) + 1,
        previous=sections[slugs.index(slug) - 1] if slug != slugs[0] else None,
        is_last=slug == slugs[-1],
        **extra,
    ))


@never_cache
@require_safe
def intake_done(request, token):
    appointment = appointment_for(token)
    try:
        intake = intakes.intake_for(appointment)
    except intakes.IntakeClosed as closed:
        return _closed(request, appointment, token, closed)
    if not intake.is_complete:
        return redirect("appointments:intake", token=token)
    sections = intakes.sections_for(appointment, intake)
    return render(request, "appointments/intake/done.html", _context(appointment, token, intake, sections))

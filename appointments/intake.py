"""Every change to a visit's intake, each made by one function here:

- `open_intake`: the patient opens their forms (through the manage link): the intake is made;
- `save_section`: a section's answers, saved (sealed) as the patient moves on; the treatment's
  safety answers are checked, and a visit whose answers need a clinician is marked and the front
  desk alerted (a reference and a link only); consent is signed in its section;
- `record_review`: a clinician's decision (OK to proceed, or call the patient);
- `publish_consent`: a treatment's consent version is published (patients sign it from then on);
- `send_intake_link`: the front desk emails the patient the way to their forms again;
- `purge_answers`: answers older than the practice keeps them are deleted, the record stays;
- key rotation (every stored answer sealed again with the newest key) is `appointments.intake_keys`.

Which sections a visit has (`sections_for`): new-patient forms (registration, health, medicines,
pregnancy and implants, pain) the first time; a short follow-up check (PEG) once the patient has
filled them in for an earlier visit; the treatment's safety questions; and consent to sign when
there is a consent the patient has not signed yet (the treatment's current version; telehealth
for a video visit).

The answers are sealed (clinic.encryption) and opened only here (`answers_of`): never in a log
line, an email, an address or a cache. Callers turn `IntakeClosed` and `IntakeRefused` into messages.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import consent, notifications
from appointments.forms.intake import (
    FOLLOW_UP_SECTIONS,
    NEW_PATIENT_SECTIONS,
    ConsentForm,
    InsuranceForm,
    ScreeningForm,
    SectionForm,
    answer_in_forms,
)
from appointments.models import (
    Appointment, BookingSettings, ConsentSignature, Intake, OutboxMessage, ScreeningQuestion, TreatmentConsent,
)
from clinic import encryption

CLOSED = "These forms are closed: the visit is over or cancelled. If you have a question, please call us."
NOT_AVAILABLE = (
    "Our online forms are not available at the moment. Please arrive 15 minutes before your visit to fill them in at the "
    "office."
)


class IntakeClosed(Exception):
    """The visit is cancelled or over (or forms cannot be sealed): nothing more is saved online."""

    def __init__(self, message: str = CLOSED):
        super().__init__(message)
        self.message = message


class IntakeRefused(Exception):
    """A change staff asked for that is not allowed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Which sections ---------------------------------------------------------


@dataclass(frozen=True)
class ConsentToSign:
    """A consent the patient is asked to sign: a treatment's version, or the telehealth consent."""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    treatment_consent: TreatmentConsent | None = None
    telehealth_version: str = ""
    # Said before the text: for telehealth, who the clinician is and their licence where the patient will be.
    preface: str = ""


def kind_for(appointment: Appointment) -> str:
    """New-patient forms, unless this patient filled them in for an earlier visit (one before this
    one: forms done first for a later treatment do not reach this visit's clinician)."""
    earlier = Intake.objects.filter(
        appointment__patient_id=appointment.patient_id, kind=Intake.Kind.NEW_PATIENT, completed_at__isnull=False,
        appointment__starts_at__lt=appointment.starts_at,
    ).exclude(appointment_id=appointment.pk)
    if appointment.patient_id is not None and earlier.exists():
        return Intake.Kind.FOLLOW_UP
    return Intake.Kind.NEW_PATIENT


def screening_questions(appointment: Appointment) -> list[ScreeningQuestion]:
    """The treatment's safety questions asked now (none for a visit without a treatment page)."""
    service_id = appointment.visit_type.service_id
    if service_id is None:
        return []
    return list(ScreeningQuestion.objects.filter(service_id=service_id, is_active=True))


def questions_to_ask(appointment: Appointment, intake: Intake, answers: dict) -> list[ScreeningQuestion]:
    """The safety questions on the screening page: a new patient is not asked again what their forms asked."""
    questions = screening_questions(appointment)
    if intake.kind != Intake.Kind.NEW_PATIENT:
        return questions
    return [question for question in questions if not question.key or answer_in_forms(question.key, answers) is None]


def consents_to_sign(appointment: Appointment, intake: Intake) -> list[ConsentToSign]:
    """The treatment's current consent unless this patient has signed that version already (for
    another visit), and the telehealth consent for a video visit."""
    wanted = []
    current = TreatmentConsent.current_for(appointment.visit_type.service_id)
    if current is not None:
        signed_before = ConsentSignature.objects.filter(
            treatment_consent=current, intake__appointment__patient_id=appointment.patient_id,
        )
        if intake.pk is not None:  # an intake not opened yet (`intake_for`) has no signature of its own
            signed_before = signed_before.exclude(intake=intake)
        if appointment.patient_id is None or not signed_before.exists():
            wanted.append(ConsentToSign(
                ConsentSignature.Kind.TREATMENT, f"Consent to {current.service.title.lower()} (version {current.version})",
                tuple(current.paragraphs), treatment_consent=current,
            ))
    if appointment.modality == Appointment.Modality.VIDEO:
        version = appointment.telehealth_consent_version or consent.TELEHEALTH_CONSENT_VERSION
        wanted.append(ConsentToSign(
            ConsentSignature.Kind.TELEHEALTH, f"Consent to a video visit (version {version})", consent.wording(version),
            telehealth_version=version, preface=_clinician_line(appointment),
        ))
    return wanted


def _clinician_line(appointment: Appointment) -> str:
    """“Your clinician for this video visit is Dana Whitfield, MD, a physician (MD) licensed in Maryland.”"""
    provider = appointment.provider
    licence = provider.licence_in(appointment.patient_state) if appointment.patient_state else None
    where = f", a {licence.kind} licensed in {licence.get_state_display()}" if licence else ""
    agreed = " You agreed to this when you booked; signing here puts it in your chart." if appointment.telehealth_consent_at else ""
    return f"Your clinician for this video visit is {provider.display_name}{where}.{agreed}"


def sections_for(appointment: Appointment, intake: Intake) -> list[type[SectionForm]]:
    """The pages of this visit's intake, in order."""
    if intake.kind == Intake.Kind.NEW_PATIENT:
        sections = [
            form for form in NEW_PATIENT_SECTIONS
            if form is not InsuranceForm or appointment.coverage == Appointment.Coverage.INSURANCE
        ]
    else:
        sections = list(FOLLOW_UP_SECTIONS)
    if screening_questions(appointment):
        sections.append(ScreeningForm)
    if consents_to_sign(appointment, intake) or (intake.pk is not None and intake.signatures.exists()):
        sections.append(ConsentForm)
    return sections


def next_section(intake: Intake, sections) -> type[SectionForm] | None:
    """The first section not saved yet (None when all are)."""
    return next((form for form in sections if form.slug not in intake.sections_done), None)


def may_open(intake: Intake, sections, slug: str) -> bool:
    """A section opens once every section before it is saved (the safety questions depend on the
    answers before them); a saved section may be opened again to change it."""
    slugs = [form.slug for form in sections]
    if slug not in slugs:
        return False
    return all(earlier in intake.sections_done for earlier in slugs[: slugs.index(slug)])


# --- Reading ----------------------------------------------------------------


def intake_of(appointment: Appointment) -> Intake | None:
    """The visit's intake if the patient has opened their forms (no query when it was loaded with
    the visit: `select_related("intake")`)."""
    try:
        return appointment.intake
    except Intake.DoesNotExist:
        return None


def answers_of(intake: Intake) -> dict:
    """The patient's answers, by section slug ({} before the first section and after the purge)."""
    return encryption.unseal(intake.sealed_answers) if intake.sealed_answers else {}


def flagged_answers(appointment: Appointment, answers: dict) -> list[tuple[ScreeningQuestion, str]]:
    """The safety answers that ask for a clinician's review, with the answer given."""
    screening = answers.get(ScreeningForm.slug, {})
    flagged = []
    for question in screening_questions(appointment):
        answer = screening.get(f"q{question.pk}") or (answer_in_forms(question.key, answers) if question.key else None)
        if answer and question.needs_review(answer):
            flagged.append((question, answer))
    return flagged


# --- Changes ----------------------------------------------------------------


def _check_open(appointment: Appointment, now: datetime):
    reason = Intake.closed_reason(appointment, now)
    if reason == Intake.VISIT_CLOSED:
        raise IntakeClosed()
    if reason == Intake.NO_KEYS:
        raise IntakeClosed(NOT_AVAILABLE)


def intake_for(appointment: Appointment, *, now: datetime | None = None) -> Intake:
    """What the patient's pages show, changing nothing (a GET, or a mail scanner following the
    link, makes no row): the visit's intake, or an unsaved one of the kind it will be.
    IntakeClosed once the visit is cancelled or over, or when answers cannot be sealed."""
    _check_open(appointment, now or timezone.now())
    existing = Intake.objects.filter(appointment=appointment).first()
    return existing if existing is not None else Intake(appointment=appointment, kind=kind_for(appointment))


def open_intake(appointment: Appointment, *, now: datetime | None = None) -> Intake:
    """The visit's intake, made the first time the patient saves a section; IntakeClosed once the
    visit is cancelled or over (even when it was opened before), or when answers cannot be sealed."""
    now = now or timezone.now()
    _check_open(appointment, now)
    existing = Intake.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Intake.objects.create(appointment=appointment, kind=kind_for(appointment), started_at=now)
    except IntegrityError:  # opened twice at once (two tabs): both get the one intake
        return Intake.objects.get(appointment=appointment)


def _locked(intake: Intake) -> Intake:
    return Intake.objects.select_for_update().select_related("appointment__visit_type", "appointment__provider").get(pk=intake.pk)


REVIEW_DECISIONS = (Intake.Review.OK, Intake.Review.CALL)


def save_section(intake: Intake, form: SectionForm, *, now: datetime | None = None) -> Intake:
    """Save a valid section's answers (all or nothing), and what follows from them: the review
    flag and its alert, the consent signatures, completion when it was the last section."""
    now = now or timezone.now()
    with transaction.atomic():
        intake = _locked(intake)
        appointment = intake.appointment
        _check_open(appointment, now)
        try:
            answers = answers_of(intake)
        except encryption.CannotOpen:  # sealed with a key this server lacks: keep them, save nothing over them
            raise IntakeClosed(NOT_AVAILABLE) from None
        changed_after_review = (
            intake.review in REVIEW_DECISIONS and form.clinical and answers.get(form.slug) != form.answers()
        )
        answers[form.slug] = form.answers()
        if form.slug == ConsentForm.slug:
            _sign(intake, appointment, form.cleaned_data["signed_name"], now)
        if form.slug not in intake.sections_done:
            intake.sections_done = [*intake.sections_done, form.slug]
        flagged = flagged_answers(appointment, answers)
        flagged_ids = sorted(question.pk for question, _ in flagged)
        reviewed_ids = answers.get("_reviewed_flags")
        # Needs review: a flagged answer nobody reviewed yet; or, after a review, other flags, or any
        # clinical answer changed (the clinician decided on what was there then: a new medicine
        # name, a new allergy), so they look again.
        if flagged and (
            intake.review == Intake.Review.NOT_NEEDED
            or intake.review in REVIEW_DECISIONS and (flagged_ids != reviewed_ids or changed_after_review)
        ):
            notifications.queue_intake_needs_review(intake, again=intake.review in REVIEW_DECISIONS)
            intake.review = Intake.Review.NEEDS_REVIEW
        elif not flagged and intake.review == Intake.Review.NEEDS_REVIEW:
            # The patient corrected the answer before anyone reviewed it: the front desk hears so.
            intake.review = Intake.Review.NOT_NEEDED
            notifications.queue_intake_no_longer_needs_review(intake)
        intake.flagged_count = len(flagged)
        answers["_flags"] = flagged_ids
        intake.sealed_answers = encryption.seal(answers)
        if intake.completed_at is None and next_section(intake, sections_for(appointment, intake)) is None:
            intake.completed_at = now
        intake.save()
    return intake


def _sign(intake: Intake, appointment: Appointment, signed_name: str, now: datetime):
    """Record each consent still to sign, once (a second save of the section changes nothing signed)."""
    already = set(intake.signatures.values_list("kind", flat=True))
    for wanted in consents_to_sign(appointment, intake):
        if wanted.kind in already:
            continue
        ConsentSignature.objects.create(
            intake=intake, kind=wanted.kind, treatment_consent=wanted.treatment_consent,
            telehealth_version=wanted.telehealth_version, signed_name=signed_name, signed_at=now,
        )



def record_review(intake: Intake, decision: str, user, *, now: datetime | None = None) -> Intake:
    """A clinician's decision on an intake: OK to proceed, or call the patient first (the front
    desk is alerted, with a reference and a link only). Allowed once the patient has started."""
    now = now or timezone.now()
    if decision not in REVIEW_DECISIONS:
        raise IntakeRefused("Choose “OK to proceed” or “call the patient”.")
    with transaction.atomic():
        intake = _locked(intake)
        if intake.answers_purged_at is not None:
            raise IntakeRefused("The answers of this intake were deleted after the visit: there is nothing left to review.")
        if not intake.sections_done:
            raise IntakeRefused("The patient has not answered anything yet.")
        try:
            answers = answers_of(intake)
        except encryption.CannotOpen:
            raise IntakeRefused(
                "The answers cannot be opened with the keys this server has, so they cannot be reviewed here: ask whoever "
                "runs the website to check the intake keys."
            ) from None
        if intake.review == decision and answers.get("_reviewed_flags") == answers.get("_flags", []):
            return intake  # pressed twice (or by two clinicians): recorded once, the front desk alerted once
        answers["_reviewed_flags"] = answers.get("_flags", [])
        intake.sealed_answers = encryption.seal(answers)
        intake.review = decision
        intake.reviewed_by = user
        intake.reviewed_at = now
        intake.save()
        if decision == Intake.Review.CALL:
            notifications.queue_intake_call_patient(intake)
    return intake


def publish_consent(treatment_consent: TreatmentConsent, *, now: datetime | None = None) -> TreatmentConsent:
    """Publish a version of a treatment's consent: patients are asked to sign it from now on (the
    newest published version is the one asked for), and it can no longer be changed."""
    now = now or timezone.now()
    with transaction.atomic():
        treatment_consent = TreatmentConsent.objects.select_for_update().select_related("service").get(pk=treatment_consent.pk)
        if treatment_consent.published_at is not None:
            raise IntakeRefused(f"{treatment_consent} is published already.")
        if not treatment_consent.paragraphs:
            raise IntakeRefused(f"{treatment_consent} has no text: write it before publishing.")
        treatment_consent.published_at = now
        treatment_consent.save(update_fields=["published_at"])
    return treatment_consent


# How long after one "resend" another is refused (the patient has the email already).
RESEND_PAUSE = timedelta(minutes=10)


def send_intake_link(appointment: Appointment, *, now: datetime | None = None) -> Appointment:
    """Email the patient the way to their forms again (the front desk's “resend”)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().select_related("provider", "visit_type").get(pk=appointment.pk)
        if not appointment.is_active or appointment.is_over(now):
            raise IntakeRefused("Only requested or confirmed visits that are not over yet get the link to their forms.")
        intake = Intake.objects.filter(appointment=appointment).first()
        if intake is not None and intake.is_complete:
            raise IntakeRefused(f"The forms for {appointment.reference} are complete already: nothing to send.")
        if Intake.closed_reason(appointment, now) == Intake.NO_KEYS:
            raise IntakeRefused("Online forms are switched off on this site (no working intake key): ask the patient to "
                                "arrive 15 minutes early to fill them in at the office.")
        sent = OutboxMessage.objects.filter(
            appointment=appointment, kind=notifications.PATIENT_INTAKE_LINK, created_at__gt=now - RESEND_PAUSE,
        ).first()
        if sent is not None:  # a second desk, the list action after the button: one email is enough
            minutes = int((now - sent.created_at).total_seconds() // 60)
            when = "a moment ago" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
            raise IntakeRefused(f"The link to the forms of {appointment.reference} was emailed {when}: see Outbox if it has "
                                "not arrived.")
        notifications.queue_intake_link(appointment)
    return appointment


def purge_answers(*, now: datetime | None = None, settings: BookingSettings | None = None) -> int:
    """Delete the answers of visits that ended more than the practice's retention time ago
    (`BookingSettings.intake_answers_kept_days`); the intake's record (complete, reviewed, by whom,
    when) and its consent signatures stay. Returns how many were purged; a second run purges none."""
    now = now or timezone.now()
    settings = settings or BookingSettings.load(fresh=True)
    before = now - timedelta(days=settings.intake_answers_kept_days)
    due = list(
        Intake.objects.filter(appointment__ends_at__lt=before, answers_purged_at__isnull=True).values_list("pk", flat=True)
    )
    purged = 0
    for start in range(0, len(due), PURGE_BATCH):
        # The condition stands in the UPDATE itself (not only in a subquery, where a filter across the join
        # would put it): PostgreSQL checks it again on a row another run purged meanwhile, so two runs at
        # once purge each intake once.
        purged += Intake.objects.filter(pk__in=due[start:start + PURGE_BATCH], answers_purged_at__isnull=True).update(
            sealed_answers="", answers_purged_at=now, updated_at=now,
        )
    return purged


PURGE_BATCH = 500


# --- Status, as the patient and staff see it --------------------------------

TO_DO, STARTED, DONE = Intake.TO_DO, Intake.STARTED, Intake.DONE


def offer_for(appointment: Appointment, *, now: datetime | None = None) -> str:
    """What the patient's own pages and emails offer about the forms (`Intake.offer_for`): "" when
    there are none to fill in online, else TO_DO, STARTED or DONE. Changes nothing."""
    return Intake.offer_for(appointment, now or timezone.now())

NOT_STARTED = "Not started"


def status_text(intake: Intake | None, sections_count: int | None = None) -> str:
    """Where a visit's intake stands, in words: not started, in progress, complete, needs review
    (or the clinician's decision). Never what any answer was."""
    if intake is None or not intake.sections_done:
        return NOT_STARTED
    if intake.review:
        return intake.get_review_display()
    if intake.is_complete:
        return "Complete"
    done = len(intake.sections_done)
    return f"In progress ({done} of {sections_count})" if sections_count else "In progress"

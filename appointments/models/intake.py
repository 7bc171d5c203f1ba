"""Before the first visit: the patient's intake forms, the treatment's safety questions and consent.

What staff edit: per treatment (services.Service), the safety questions asked before it
(`ScreeningQuestion`) and its consent text, in versions frozen once published (`TreatmentConsent`).

What patients give, per visit (`Intake`): their answers, sealed (clinic.encryption) in one
column that only `appointments.intake` opens; what is not sealed says where the intake stands
(the sections done, how many answers need a clinician, the clinician's decision) and never what
an answer was. A signed consent (`ConsentSignature`) records what was signed, which version,
when, and the name the patient typed; it outlives the answers (`appointments.intake.purge_answers`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clinic import encryption
from clinic.validators import validate_single_line
from services.models import Service


# The new-patient forms' questions a ScreeningQuestion may stand for (`key`), so that a new patient
# is not asked twice (appointments.forms.intake.answer_in_forms reads them).
FORM_QUESTIONS = [
    ("blood_thinners", "Blood thinners (medicines section)"),
    ("bleeding_disorder", "Bleeding or clotting disorder (health section)"),
    ("local_anaesthetic_allergy", "Allergy to local anaesthetics (medicines section)"),
    ("pacemaker", "Pacemaker, defibrillator or implanted stimulator (pregnancy and implants section)"),
    ("pregnancy", "Pregnant or could be (pregnancy and implants section)"),
]


class ScreeningQuestion(models.Model):
    """A yes-or-no safety question asked before a treatment, e.g. “Do you take a blood thinner?”.
    The answer in `review_when` never refuses the patient: it asks a clinician to look first."""

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="screening_questions",
        help_text="The treatment this question is asked before.",
    )
    question = models.CharField(
        max_length=300, validators=[validate_single_line],
        help_text="One plain yes-or-no question, as the patient reads it, e.g. “Do you take a medicine that thins your blood?”.",
    )
    reason = models.CharField(
        "why we ask", max_length=300, validators=[validate_single_line],
        help_text="One sentence a clinician would give, shown under the question, e.g. “Needles can cause bruising or "
        "bleeding in people who take blood thinners.”",
    )
    review_when = models.CharField(
        "a clinician reviews when the answer is", max_length=3, choices=Answer.choices, default=Answer.YES,
        help_text="This answer marks the visit “needs clinician review” and someone calls the patient before the visit. "
        "The patient is never turned away online.",
    )
    key = models.CharField(
        "same as the new-patient forms' question", max_length=40, blank=True, choices=FORM_QUESTIONS,
        help_text="Choose one if the new-patient forms already ask this: a new patient then is not asked twice, and their "
        "answer there is used. Patients returning for a follow-up are asked it here.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are asked first.")
    is_active = models.BooleanField("asked", default=True, help_text="Untick to stop asking it (answers given stay as they were).")

    class Meta:
        ordering = ["service", "order", "pk"]

    def __str__(self):
        return self.question

    def needs_review(self, answer: str) -> bool:
        return answer == self.review_when


class TreatmentConsent(models.Model):
    """One version of a treatment's consent text. A published version is frozen (patients may have
    signed it): to change the wording, add a new version; the newest published one is asked for."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="consent_versions")
    version = models.PositiveSmallIntegerField(editable=False, help_text="Numbered per treatment: 1, 2, 3 …")
    text = models.TextField(
        "consent text",
        help_text="What the patient agrees to, in plain words: what the treatment is, its common and rare risks, the "
        "alternatives, and that they may stop at any time. Leave a blank line between paragraphs.",
    )
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When patients started being asked to sign it. Once published it cannot be changed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service", "-version"]
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="treatment_consent_version_unique")]

    def __str__(self):
        return f"{self.service} consent, version {self.version}"

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(block.split()) for block in self.text.replace("\r\n", "\n").split("\n\n") if block.strip()]

    def clean(self):
        if self.pk and TreatmentConsent.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise ValidationError("This version is published and patients may have signed it: add a new version instead.")

    def save(self, *args, **kwargs):
        if not self.version:
            last = TreatmentConsent.objects.filter(service_id=self.service_id).aggregate(models.Max("version"))["version__max"]
            self.version = (last or 0) + 1
        super().save(*args, **kwargs)

    @classmethod
    def current_for(cls, service_id) -> "TreatmentConsent | None":
        """The version patients sign now: the newest published one."""
        if service_id is None:
            return None
        return cls.objects.filter(service_id=service_id, published_at__isnull=False).order_by("-version").first()


class IntakeQuerySet(models.QuerySet):
    def needing_review(self):
        return self.filter(review=Intake.Review.NEEDS_REVIEW)


class Intake(models.Model):
    """A visit's intake: the patient's answers before it, sealed, and where it stands.

    Changed only by the functions of `appointments.intake`."""

    class Kind(models.TextChoices):
        NEW_PATIENT = "new", "New patient forms"
        FOLLOW_UP = "follow_up", "Follow-up check"

    class Review(models.TextChoices):
        NOT_NEEDED = "", "No answer needs review"
        NEEDS_REVIEW = "needs_review", "Needs clinician review"
        OK = "ok", "Reviewed: OK to proceed"
        CALL = "call", "Reviewed: call the patient"

    appointment = models.OneToOneField("appointments.Appointment", on_delete=models.CASCADE, related_name="intake")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The sections the patient has saved, by slug (appointments.forms.intake): no answer in them.
    sections_done = models.JSONField(default=list, blank=True)
    # Every answer, sealed (clinic.encryption); "" before the first section and after the purge.
    sealed_answers = models.TextField(blank=True, default="", editable=False)
    flagged_count = models.PositiveSmallIntegerField(
        "answers needing review", default=0, help_text="How many answers asked for a clinician's review (never which)."
    )
    review = models.CharField("clinician review", max_length=12, choices=Review.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the answers were removed after the retention time; the record above stays.
    answers_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntakeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(answers_purged_at__isnull=True) | Q(sealed_answers=""), name="intake_purged_has_no_answers",
            ),
        ]
        verbose_name = "intake form"
        verbose_name_plural = "intake forms"
        permissions = [
            ("view_intake_answers", "Can read patients' intake answers (clinical and registration)"),
            ("view_intake_registration", "Can read the registration part of intake answers (contacts, doctors, insurance)"),
            ("review_intake", "Can mark an intake reviewed (OK to proceed, or call the patient)"),
        ]

    def __str__(self):
        return f"Intake for visit {self.appointment.reference}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    # Why a visit's forms cannot be filled in online now (`closed_reason`).
    VISIT_CLOSED, NO_KEYS = "visit_closed", "no_keys"
    # Where a visit's forms stand, as the patient's pages and emails offer them (`offer_for`).
    TO_DO, STARTED, DONE = "to_do", "started", "done"

    @classmethod
    def closed_reason(cls, appointment, now) -> str:
        """"" while the patient may fill in the forms online; VISIT_CLOSED once the visit is cancelled
        or over; NO_KEYS when answers cannot be sealed (no intake keys configured)."""
        if not appointment.is_active or appointment.is_over(now):
            return cls.VISIT_CLOSED
        if not encryption.is_configured() or not cls.keys_open_what_is_stored():
            return cls.NO_KEYS
        return ""

    @classmethod
    def keys_open_what_is_stored(cls) -> bool:
        """Whether the configured keys open the answers saved last (True when none are saved). A
        server given the wrong key (a restore without its key file, a typing mistake) counts as having
        none: it must not seal answers that nobody could open once the right key is back."""
        latest = cls.objects.exclude(sealed_answers="").order_by("-pk").values_list("sealed_answers", flat=True).first()
        if latest is None:
            return True
        try:
            encryption.unseal(latest)
        except encryption.CannotOpen:
            return False
        return True

    @classmethod
    def offer_for(cls, appointment, now) -> str:
        """What the patient's pages and emails offer about the forms: "" when there are none to fill
        in online (`closed_reason`), else TO_DO, STARTED or DONE. Never what an answer was."""
        if cls.closed_reason(appointment, now):
            return ""
        intake = cls.objects.filter(appointment=appointment).first()
        if intake is None or not intake.sections_done:
            return cls.TO_DO
        return cls.DONE if intake.is_complete else cls.STARTED

    @property
    def reference(self) -> str:
        """The visit's reference: what staff alerts name."""
        return self.appointment.reference

    def get_admin_url(self):
        """The staff summary of this intake (appointments.admin.intake)."""
        return reverse("admin:appointments_intake_change", args=[self.pk])


class ConsentSignature(models.Model):
    """A consent the patient signed online: typed their full name and ticked the box."""

    class Kind(models.TextChoices):
        TREATMENT = "treatment", "Treatment consent"
        TELEHEALTH = "telehealth", "Telehealth consent"

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="signatures")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    treatment_consent = models.ForeignKey(TreatmentConsent, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures")
    # The telehealth consent's version (appointments.consent.WORDINGS).
    telehealth_version = models.CharField(max_length=20, blank=True, default="")
    signed_name = models.CharField("name typed as signature", max_length=120)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="treatment", treatment_consent__isnull=False, telehealth_version="")
                | Q(kind="telehealth", treatment_consent__isnull=True) & ~Q(telehealth_version=""),
                name="consent_signature_names_what_was_signed",
            ),
            models.UniqueConstraint(fields=["intake", "kind"], name="one_signature_per_kind_per_intake"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} signed {timezone.localtime(self.signed_at):%Y-%m-%d %H:%M}"

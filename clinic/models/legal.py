"""The notices the law asks a practice's website to show, as staff-edited, versioned pages.

Each notice (`LegalNotice`, one per kind, at a fixed address) has versions
(`LegalNoticeVersion`), each with the day it takes effect. The current version is the
latest one whose day has come in the practice's time zone; a version dated in the
future is scheduled and shows by itself on its day (pages are cached only until the
coming midnight: see `clinic.content.SiteContent.next_change_after`). A version that has
taken effect is never changed or deleted, so "what did the site show on a given day"
always has an answer: staff add a new version instead.

The language-help notice also shows `LanguageTagline`s: one short sentence per language,
in that language and script, saying free help is available and which number to call.
"""

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clinic.hours import PRACTICE_TIME_ZONE
from clinic.rich_text import rich_text_field, sanitize_rich_text
from clinic.validators import validate_plain_text, validate_plausible_date, validate_single_line


def practice_today() -> date:
    """Today on the practice's wall clock (New York), whatever the server's time zone."""
    return timezone.localdate(timezone.now(), PRACTICE_TIME_ZONE)


class LegalNotice(models.Model):
    """One of the notices the law requires, at /legal/<slug>/; its text lives in its versions."""

    class Kind(models.TextChoices):
        PRIVACY_PRACTICES = "privacy-practices", "Notice of Privacy Practices"
        NONDISCRIMINATION = "nondiscrimination", "Notice of nondiscrimination"
        LANGUAGE_HELP = "language-help", "Language help and auxiliary aids"
        ACCESSIBILITY = "accessibility", "Accessibility statement"
        WEBSITE_PRIVACY = "website-privacy", "Website privacy policy"
        GOOD_FAITH_ESTIMATES = "good-faith-estimates", "Good faith estimates"

    # The rule each notice meets, for staff (and counsel) reading the admin.
    RULES = {
        Kind.PRIVACY_PRACTICES: "HIPAA Privacy Rule, 45 CFR 164.520: the content in 164.520(b), posted "
        "prominently on the website (164.520(c)(3)(i)) and given with the first service, including by email "
        "for a first visit by video (164.520(c)(3)(iii)).",
        Kind.NONDISCRIMINATION: "Section 1557 of the Affordable Care Act, 45 CFR 92.10 (notice of nondiscrimination).",
        Kind.LANGUAGE_HELP: "Section 1557 of the Affordable Care Act, 45 CFR 92.11 (notice of availability of language "
        "assistance services and auxiliary aids and services, in English and at least the 15 languages most "
        "common among people with limited English in the state).",
        Kind.ACCESSIBILITY: "Americans with Disabilities Act (Title III), Section 504 of the Rehabilitation Act "
        "and 45 CFR 92.204; the website aims at WCAG 2.2 level AA.",
        Kind.WEBSITE_PRIVACY: "What the website itself collects and why (HIPAA 45 CFR 164.530 safeguards; "
        "the HHS guidance on online tracking technologies); no single federal rule prescribes its form.",
        Kind.GOOD_FAITH_ESTIMATES: "No Surprises Act, Public Health Service Act §2799B-6, 45 CFR 149.610 "
        "(good faith estimates for uninsured and self-pay patients; notice displayed prominently on the website).",
    }

    slug = models.CharField(
        "which notice",
        max_length=40,
        unique=True,
        choices=Kind.choices,
        help_text="Which of the required notices this is. Each has its own fixed web address, linked from every page.",
    )
    title = models.CharField(
        max_length=120,
        validators=[validate_single_line],
        help_text="The heading of the page, e.g. “Notice of Privacy Practices”.",
    )
    meta_description = models.CharField(
        "search engine summary",
        max_length=160,
        validators=[validate_single_line],
        help_text="One sentence (at most 160 characters) that search engines show under the title.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "legal notice"
        ordering = ["pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("clinic:legal_notice", kwargs={"slug": self.slug})

    @property
    def rule(self) -> str:
        return self.RULES.get(self.slug, "")

    def version_on(self, day: date):
        """The version in effect on `day` (None before the first one)."""
        return self.versions.filter(effective_date__lte=day).order_by("-effective_date").first()

    def current_version(self, today: date | None = None):
        return self.version_on(today or practice_today())


SAME_DAY = "This notice already has a version taking effect on that day. Edit that one if it is still scheduled, or pick another day."


class LegalNoticeVersionQuerySet(models.QuerySet):
    def in_effect_by(self, day: date):
        """Versions whose day has come by `day`: the current one and every earlier one."""
        return self.filter(effective_date__lte=day)


class LegalNoticeVersion(models.Model):
    """The text of a notice from one day on. Frozen once that day has come (see `check_not_frozen`)."""

    notice = models.ForeignKey(
        LegalNotice, on_delete=models.PROTECT, related_name="versions", help_text="Which notice this text is for."
    )
    effective_date = models.DateField(
        "takes effect on",
        validators=[validate_plausible_date],
        help_text="The day patients start seeing this text (from midnight, Eastern time). Today or a later day: "
        "a later day schedules it, and the current text stays up until then. Once this day has come, the "
        "version can no longer be changed; add a new version instead.",
    )
    body = rich_text_field(
        "text",
        "The full text of the notice. Type as in a word processor: headings, lists, bold and links are "
        "available from the toolbar. The practice's name, phone and address are not filled in for you: write them out.",
        blank=False,
    )
    change_summary = models.CharField(
        "what changed",
        max_length=200,
        validators=[validate_single_line],
        help_text="A short note for the record and for patients, e.g. “New phone number for privacy questions”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LegalNoticeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "notice version"
        ordering = ["notice", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "effective_date"],
                name="legal_notice_one_version_per_day",
                violation_error_message=SAME_DAY,
            )
        ]

    def __str__(self):
        return f"{self.notice} — effective {self.effective_date:%B} {self.effective_date.day}, {self.effective_date.year}"

    def get_absolute_url(self):
        return reverse("clinic:legal_notice_on", kwargs={"slug": self.notice.slug, "day": self.effective_date})

    def has_taken_effect(self, today: date | None = None) -> bool:
        return self.effective_date is not None and self.effective_date <= (today or practice_today())

    def stored(self):
        """This version as the database holds it, or None for a new one."""
        return LegalNoticeVersion.objects.filter(pk=self.pk).first() if self.pk else None

    def check_not_frozen(self, today: date | None = None):
        """A version that has taken effect is the record of what patients were shown: it cannot change."""
        stored = self.stored()
        if stored is None or not stored.has_taken_effect(today):
            return
        changed = [
            field.verbose_name
            for field in self._meta.concrete_fields
            if field.attname not in ("id", "created_at", "created_by_id")
            and getattr(self, field.attname) != getattr(stored, field.attname)
        ]
        if changed:
            raise ValidationError(
                f"This version took effect on {stored.effective_date:%B} {stored.effective_date.day}, "
                f"{stored.effective_date.year} and is kept as it was shown to patients, so it cannot be changed. "
                "Add a new version instead (it can start today)."
            )

    def clean(self):
        today = practice_today()
        self.check_not_frozen(today)
        stored = self.stored()
        # A new (or still scheduled) version may not start in the past: that would rewrite what patients
        # were shown. Only a notice's very first version may record a date already gone, e.g. the day the
        # practice's paper notice took effect.
        if self.effective_date and self.effective_date < today and (stored is None or not stored.has_taken_effect(today)):
            others = LegalNoticeVersion.objects.filter(notice_id=self.notice_id).exclude(pk=self.pk)
            if self.notice_id and others.exists():
                raise ValidationError(
                    {"effective_date": "A new version cannot start on a day that has passed: pick today or a later day."}
                )
        # A version moved to another day: the constraint below is the last word, but on the change form
        # the notice is not a field, so Django's own check of the pair leaves it out (a new version's is checked).
        same_day = LegalNoticeVersion.objects.filter(notice_id=self.notice_id, effective_date=self.effective_date)
        if self.pk and self.effective_date and same_day.exclude(pk=self.pk).exists():
            raise ValidationError({"effective_date": SAME_DAY})

    def save(self, *args, **kwargs):
        self.check_not_frozen()
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.has_taken_effect():
            raise ValidationError("A version that has taken effect is kept for the record and cannot be deleted.")
        return super().delete(*args, **kwargs)


# BCP 47 language tags as the site uses them: a language (2–3 letters), optionally a script
# (4 letters, e.g. Hant) and a region (2 letters or 3 digits), e.g. "es", "zh-Hant", "pt-BR".
LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$")
# Written right to left: these languages (unless a script subtag says otherwise) and scripts.
RIGHT_TO_LEFT_LANGUAGES = {"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "ckb", "dv", "prs", "syr"}
RIGHT_TO_LEFT_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"}
PHONE_PLACEHOLDER = "{phone}"


def normalise_language_tag(value: str) -> str:
    """Check a BCP 47 tag and write it the usual way: “ZH-hant” → “zh-Hant”."""
    match = LANGUAGE_TAG.match((value or "").strip())
    if not match:
        raise ValidationError(
            "Enter a language code such as “es” (Spanish), “zh-Hant” (Chinese, traditional characters) or “fa” (Persian)."
        )
    language, script, region = match.groups()
    return "-".join(part for part in (language.lower(), script and script.title(), region and region.upper()) if part)


def validate_language_tag(value: str):
    normalise_language_tag(value)


def validate_phone_placeholder(text: str):
    if text.count(PHONE_PLACEHOLDER) != 1:
        raise ValidationError(
            "Put {phone} exactly once where the phone number goes: the practice's number is filled in there."
        )
    if re.search(r"[{}]", text.replace(PHONE_PLACEHOLDER, "")):
        raise ValidationError("Curly brackets are only for {phone}: please remove the others.")


class LanguageTaglineQuerySet(models.QuerySet):
    def shown(self):
        return self.filter(is_shown=True)


class LanguageTagline(models.Model):
    """“Free language help is available: call …”, in one language, shown on the language-help page."""

    language = models.CharField(
        "language (in English)", max_length=60, validators=[validate_single_line], help_text="e.g. “Spanish”."
    )
    native_name = models.CharField(
        "language (in itself)",
        max_length=60,
        validators=[validate_single_line],
        help_text="The language's name as its speakers write it, e.g. “Español”, “繁體中文”, “العربية”.",
    )
    lang = models.CharField(
        "language code",
        max_length=20,
        unique=True,
        validators=[validate_language_tag],
        help_text="The standard code that tells screen readers which language to read it in: e.g. es (Spanish), "
        "zh-Hant (Chinese, traditional characters), ko (Korean), ar (Arabic). Right-to-left writing "
        "(Arabic, Persian, Urdu…) is set from the code.",
        error_messages={"unique": "There is already a tagline in this language."},
    )
    text = models.TextField(
        "tagline",
        max_length=400,
        validators=[validate_phone_placeholder, validate_plain_text],
        help_text="One or two sentences in the language itself, e.g. “ATTENTION: if you speak Spanish, free "
        "language help is available. Call {phone}.” Write {phone} where the practice's phone number goes. "
        "These texts are samples: have a qualified translator check each one.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    is_shown = models.BooleanField("shown", default=True, help_text="Untick to hide this language from the page.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = LanguageTaglineQuerySet.as_manager()

    class Meta:
        verbose_name = "language tagline"
        ordering = ["order", "language"]

    def __str__(self):
        return f"{self.language} ({self.native_name})"

    def clean(self):
        if self.lang:
            try:
                self.lang = normalise_language_tag(self.lang)
            except ValidationError as error:
                raise ValidationError({"lang": error}) from None
            if self.lang.split("-")[0] == "en":
                raise ValidationError({"lang": "English is the notice itself: taglines are for other languages."})

    @property
    def dir(self) -> str:
        """“rtl” for a language written right to left, else “ltr”."""
        parts = self.lang.split("-")
        script = next((part for part in parts[1:] if len(part) == 4), None)
        if script:
            return "rtl" if script.title() in RIGHT_TO_LEFT_SCRIPTS else "ltr"
        return "rtl" if parts[0].lower() in RIGHT_TO_LEFT_LANGUAGES else "ltr"

    def around_phone(self) -> tuple[str, str]:
        """The text before and after the phone number."""
        before, _, after = self.text.partition(PHONE_PLACEHOLDER)
        return before, after

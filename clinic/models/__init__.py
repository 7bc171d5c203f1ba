import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic.branding import DEFAULT_BRAND_COLOUR, validate_brand_colour
from clinic.hours import Holiday, TimeBlock
from clinic.images import (
    LOGO,
    OFFICE,
    PORTRAIT,
    UploadedImageField,
    UploadedImageValidator,
    delete_on_commit,
    picture_of,
    store_new_uploads,
)
from clinic.phone import display_phone, normalise_phone
from clinic.us_states import US_STATES
from clinic.validators import (
    validate_list_lines,
    validate_npi,
    validate_plausible_date,
    validate_single_line,
    validate_tax_id,
)

# What the cache holds for a single-row model nobody has saved yet (None would read as "not cached").
NO_ROW = "no-row"


def paragraphs_of(text: str) -> list[str]:
    """Plain text typed by staff, split into paragraphs at blank lines."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def lines_of(text: str) -> list[str]:
    """Plain text typed by staff as a list, one item a line; blank lines are skipped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# The earliest year a clinician can have started in practice: a typing slip otherwise.
EARLIEST_PRACTICE_YEAR = 1950


class SingleRowModel(models.Model):
    """A model with exactly one row (pk=1): the practice's details, the booking settings,
    the telehealth page's text. All three load, cache and create themselves this way.

    `load()` reads the row through the shared cache; saving or deleting it clears the
    cached copy for every process, now and again when the transaction commits. Reading
    never writes: before anyone has saved the row, `load()` answers `missing_row()`
    (None, or for settings an unsaved row with the defaults), and staff create it in the
    admin (see `clinic.admin.SingleRowAdmin`).
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        self.forget_cached()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        self.forget_cached()
        return deleted

    @classmethod
    def cache_key(cls) -> str:
        return f"clinic:single-row:{cls._meta.label_lower}"

    @classmethod
    def forget_cached(cls):
        key = cls.cache_key()
        cache.delete(key)
        # A request between the save and the commit may have cached the old row.
        transaction.on_commit(lambda: cache.delete(key))

    @classmethod
    def missing_row(cls):
        """What `load()` gives before the row exists."""
        return None

    @classmethod
    def load(cls, fresh: bool = False):
        """The row (from the cache unless `fresh`), or `missing_row()`."""
        row = None if fresh else cache.get(cls.cache_key())
        if row is None:
            row = cls.objects.filter(pk=1).first()
            if not fresh:
                cache.set(cls.cache_key(), NO_ROW if row is None else row, settings.SITE_CONTENT_CACHE_SECONDS)
        elif row == NO_ROW:
            row = None
        return cls.missing_row() if row is None else row


SAMPLE_REFERRAL_NOTE = (
    "Many patients can make a first appointment without a referral. Some insurance plans, including many HMO "
    "and Medicaid plans, need one from your primary care provider before they pay for the visit: please check "
    "with your plan, or call us and we will help."
)


class Practice(SingleRowModel):
    """The practice's own details, or None before anyone has entered them (see `SingleRowModel`)."""

    name = models.CharField(
        max_length=120,
        validators=[validate_single_line],
        help_text="The practice's name as patients know it, e.g. “Pain, Spine & Rehab Associates”.",
    )
    specialties = models.CharField(
        "specialties line",
        max_length=200,
        help_text="One line under the name on every page, e.g. “Physical Medicine & Rehabilitation "
        "and Pain Medicine Specialists located in Gaithersburg, MD”.",
    )
    phone = models.CharField(
        max_length=20,
        help_text="Main phone number patients call, with area code, e.g. (301) 555-0142.",
    )
    email = models.EmailField(
        blank=True,
        help_text="Optional public email address for general questions (never for medical details).",
    )
    street_address = models.CharField(
        max_length=200, help_text="Street and suite, e.g. “100 Example Way, Suite 200”."
    )
    city = models.CharField(max_length=100, help_text="e.g. Gaithersburg")
    state = models.CharField(max_length=2, help_text="Two-letter state code, e.g. MD.")
    postal_code = models.CharField("ZIP code", max_length=10, help_text="e.g. 20878")
    directions_url = models.URLField(
        "directions link",
        blank=True,
        help_text="Optional link to directions in a map service. Patients open it themselves; "
        "the site never loads maps on its pages.",
    )
    npi = models.CharField(
        "practice NPI", max_length=10, blank=True, validators=[validate_npi],
        help_text="The practice's own (type 2, organisation) National Provider Identifier: 10 digits, from the "
        "NPI registry. Printed on good faith estimates for patients paying themselves.",
    )
    tax_id = models.CharField(
        "tax ID (EIN)", max_length=10, blank=True, validators=[validate_tax_id],
        help_text="The practice's federal Tax Identification Number as on its bills, e.g. 12-3456789. "
        "Printed on good faith estimates.",
    )
    referral_note = models.TextField(
        "referrals",
        blank=True,
        default=SAMPLE_REFERRAL_NOTE,
        help_text="What new patients should know about referrals, shown on the booking page. Say only what is true "
        "for every patient: many HMO and Medicaid plans need a referral. Plain text: leave a blank line between "
        "paragraphs. Leave empty to say nothing about referrals.",
    )
    brand_colour = models.CharField(
        "brand colour",
        max_length=7,
        default=DEFAULT_BRAND_COLOUR,
        validators=[validate_brand_colour],
        help_text="The practice's colour for buttons, links, checked boxes and focus rings, as # and six hexadecimal "
        "digits, e.g. #0b5670. A colour too light for every patient to read on white is refused, with a darker shade "
        "suggested.",
    )
    logo = UploadedImageField(
        upload_to="practice/",
        blank=True,
        max_length=200,
        validators=[UploadedImageValidator("logo")],
        help_text="Optional: the practice's logo, shown beside its name at the top of every page. A PNG (a clear "
        "background is kept) or JPEG at least 96 pixels high, at most 8 MB; a square or wide mark works best.",
    )
    logo_alt = models.CharField(
        "logo description",
        max_length=200,
        blank=True,
        help_text="Needed with a logo: what it shows, for patients who use a screen reader, e.g. "
        "“Pain, Spine & Rehab Associates logo”.",
    )
    logo_widths = models.JSONField(default=list, blank=True, editable=False)
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    office_photo = UploadedImageField(
        "office photo",
        upload_to="practice/",
        blank=True,
        max_length=200,
        validators=[UploadedImageValidator("office")],
        help_text="Optional: a photo of the office or waiting room for the home page, so patients know the place. "
        "A JPEG, PNG or WebP photo at least 640 pixels wide (1500 or more looks best), at most 8 MB; it is cropped "
        "to a 3:2 landscape. Without one the home page shows a drawing of an office in the practice's colour.",
    )
    office_photo_alt = models.CharField(
        "office photo description",
        max_length=200,
        blank=True,
        help_text="Needed with a photo: what it shows, e.g. “Our bright waiting room with the front desk on the left”.",
    )
    office_photo_widths = models.JSONField(default=list, blank=True, editable=False)
    office_photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    office_photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    first_visit = models.TextField(
        "what to expect at a first visit",
        blank=True,
        validators=[validate_list_lines],
        help_text="The steps of a new patient's first visit, one step per line, in order, e.g. “Fill in the health "
        "questions online before you come.” Shown on the home page and every provider's page as a numbered list. "
        "Say only what is true for every new patient. Leave empty to leave the section out.",
    )
    affiliations = models.TextField(
        "affiliations and memberships",
        blank=True,
        validators=[validate_list_lines],
        help_text="Hospitals the practice works with and professional societies or networks it belongs to, one per "
        "line, as they write their own name. Shown on the home page. Only current ones; leave empty to leave the "
        "section out.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "practice details"
        verbose_name_plural = "practice details"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="practice_single_row")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error}) from None
        if self.state:
            self.state = self.state.upper()
        errors = {}
        if self.logo and not self.logo_alt:
            errors["logo_alt"] = "Describe the logo for patients who cannot see it."
        if self.office_photo and not self.office_photo_alt:
            errors["office_photo_alt"] = "Describe the photo for patients who cannot see it."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        unused = store_new_uploads(self, {"logo": LOGO, "office_photo": OFFICE}, stem=self.name)
        super().save(*args, **kwargs)
        delete_on_commit(self.logo.storage, unused)

    @property
    def logo_picture(self):
        return picture_of(self, "logo", self.logo_alt)

    @property
    def office_picture(self):
        return picture_of(self, "office_photo", self.office_photo_alt)

    @property
    def phone_display(self):
        return display_phone(self.phone)

    @property
    def phone_href(self):
        return f"tel:{self.phone}"

    @property
    def referral_paragraphs(self):
        return paragraphs_of(self.referral_note)

    @property
    def address_lines(self):
        return [self.street_address, f"{self.city}, {self.state} {self.postal_code}"]

    @property
    def first_visit_steps(self) -> list[str]:
        return lines_of(self.first_visit)

    @property
    def affiliation_list(self) -> list[str]:
        return lines_of(self.affiliations)


class OfficeHours(models.Model):
    """One block of opening on a weekday. A day with no blocks is closed; two blocks make a lunch break."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, help_text="Day of the week. Leave a day out to show it as closed."
    )
    opens = models.TimeField(help_text="Opening time, e.g. 8:30.")
    closes = models.TimeField(help_text="Closing time, e.g. 17:00. Must be after the opening time.")

    class Meta:
        verbose_name = "office hours"
        verbose_name_plural = "office hours"
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="office_hours_close_after_open"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        # Overlaps between blocks of one day are checked where all the day's
        # blocks are edited together: the admin inline's formset.
        if self.opens is not None and self.closes is not None:
            if self.closes <= self.opens:
                raise ValidationError({"closes": "Closing time must be after the opening time."})

    def as_block(self):
        return TimeBlock(self.opens, self.closes)


class HolidayHoursQuerySet(models.QuerySet):
    def upcoming(self, today=None):
        """Holiday hours that are not over yet, soonest first."""
        today = today or timezone.localdate()
        return self.filter(last_day__gte=today).order_by("first_day")


class HolidayHours(models.Model):
    """Dated hours that replace the weekly office hours, e.g. closed for Thanksgiving."""

    label = models.CharField(max_length=80, help_text="What patients see, e.g. “Thanksgiving” or “Christmas Eve”.")
    first_day = models.DateField(help_text="The first (or only) day these hours apply.", validators=[validate_plausible_date])
    last_day = models.DateField(
        blank=True,
        validators=[validate_plausible_date],
        help_text="The last day these hours apply. Leave empty for a single day.",
    )
    is_closed = models.BooleanField(
        "closed all day",
        default=True,
        help_text="Tick if the office is closed. Untick and fill in the special hours below if it opens for part of the day.",
    )
    opens = models.TimeField(
        null=True, blank=True, help_text="Special opening time. Only when not closed all day."
    )
    closes = models.TimeField(
        null=True, blank=True, help_text="Special closing time. Only when not closed all day."
    )
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional short note for patients, e.g. “Messages left on this day are returned the next morning.”",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = HolidayHoursQuerySet.as_manager()

    class Meta:
        verbose_name = "holiday hours"
        verbose_name_plural = "holiday hours"
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="holiday_last_day_not_before_first"),
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(opens__isnull=False, closes__isnull=False, closes__gt=F("opens")),
                name="holiday_special_hours_complete",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.date_range_display})"

    @property
    def date_range_display(self):
        if self.last_day is None or self.last_day == self.first_day:
            return f"{self.first_day:%a %b} {self.first_day.day}, {self.first_day.year}"
        return f"{self.first_day:%a %b} {self.first_day.day} – {self.last_day:%a %b} {self.last_day.day}, {self.last_day.year}"

    def clean(self):
        errors = {}
        if self.first_day and not self.last_day:
            self.last_day = self.first_day
        if self.first_day and self.last_day and self.last_day < self.first_day:
            errors["last_day"] = "The last day cannot be before the first day."
        if self.is_closed:
            self.opens = self.closes = None
        else:
            if self.opens is None:
                errors["opens"] = "Enter the special opening time, or tick “closed all day”."
            if self.closes is None:
                errors["closes"] = "Enter the special closing time, or tick “closed all day”."
            if self.opens is not None and self.closes is not None and self.closes <= self.opens:
                errors["closes"] = "Closing time must be after the opening time."
        if not errors and self.first_day:
            clash = (
                HolidayHours.objects.filter(first_day__lte=self.last_day, last_day__gte=self.first_day)
                .exclude(pk=self.pk)
                .first()
            )
            if clash is not None:
                errors["first_day"] = f"These dates overlap “{clash}”. Edit that entry instead, or pick other dates."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.last_day is None:
            self.last_day = self.first_day
        super().save(*args, **kwargs)

    def as_holiday(self) -> Holiday:
        blocks = () if self.is_closed else (TimeBlock(self.opens, self.closes),)
        return Holiday(self.label, self.first_day, self.last_day or self.first_day, blocks, self.note)


# Most important first, then the newest.
ANNOUNCEMENT_ORDER = ("-priority", "-starts_at", "pk")


class AnnouncementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def live(self, now=None):
        """Published announcements whose window contains `now`, most important first."""
        now = now or timezone.now()
        return (
            self.published()
            .filter(starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .order_by(*ANNOUNCEMENT_ORDER)
        )

    def not_ended(self, now=None):
        now = now or timezone.now()
        return self.published().filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class Announcement(models.Model):
    """A notice shown in the bar at the top of every page while it is live."""

    class Kind(models.TextChoices):
        COVID = "covid", "COVID-19"
        TELEHEALTH = "telehealth", "Telehealth"
        HOLIDAY = "holiday", "Holiday hours"
        GENERAL = "general", "General"

    class Priority(models.IntegerChoices):
        URGENT = 30, "Urgent (shown first)"
        IMPORTANT = 20, "Important"
        NORMAL = 10, "Normal"

    title = models.CharField(max_length=120, help_text="Heading of the notice page, e.g. “What we are doing about COVID-19”.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The end of the notice's web address (/notices/<slug>/). Filled in from the title; "
        "avoid changing it once patients may have the link.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL, help_text="What the notice is about.")
    message = models.CharField(
        "bar message",
        max_length=200,
        help_text="One or two short sentences for the bar at the top of every page.",
    )
    body = models.TextField(
        "full text",
        blank=True,
        help_text="Optional longer text for the notice page. Plain text: leave a blank line between paragraphs.",
    )
    link_url = models.URLField(
        "extra link",
        blank=True,
        help_text="Optional link shown on the notice page, e.g. to a health department page.",
    )
    link_text = models.CharField(
        max_length=80, blank=True, help_text="Words for the extra link, e.g. “Maryland health department guidance”."
    )
    starts_at = models.DateTimeField(
        "show from", default=timezone.now, help_text="When the notice appears on the site (Eastern time).",
        validators=[validate_plausible_date],
    )
    ends_at = models.DateTimeField(
        "show until",
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text="When it disappears by itself (Eastern time). Leave empty to show it until you remove it.",
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.NORMAL, help_text="More important notices are shown first."
    )
    is_published = models.BooleanField(
        "published",
        default=True,
        help_text="Untick to keep a draft: it is never shown to patients, whatever the dates.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ANNOUNCEMENT_ORDER
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="announcement_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "“Show until” must be after “Show from”."})
        if self.link_text and not self.link_url:
            raise ValidationError({"link_url": "Add the web address for the link, or clear the link words."})

    def get_absolute_url(self):
        return reverse("clinic:notice", kwargs={"slug": self.slug})

    def is_live(self, now=None):
        now = now or timezone.now()
        return self.is_published and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    @property
    def paragraphs(self):
        return paragraphs_of(self.body)


class ProviderQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Provider(models.Model):
    """A clinician of the practice, shown on the team page and bookable online."""

    name = models.CharField(max_length=100, help_text="Full name as patients see it, e.g. “Dana Whitfield”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in web addresses. Filled in from the name.")
    credentials = models.CharField(
        max_length=60, blank=True, help_text="Letters after the name, e.g. “MD” or “DO, FAAPMR”."
    )
    role = models.CharField(
        max_length=120, help_text="What they do here, e.g. “Physical Medicine & Rehabilitation physician”."
    )
    bio = models.TextField(
        blank=True,
        help_text="A few sentences about their training and the care they give. Plain text: "
        "leave a blank line between paragraphs.",
    )
    photo = UploadedImageField(
        upload_to="providers/",
        blank=True,
        max_length=200,
        validators=[UploadedImageValidator("portrait")],
        help_text="Optional portrait: a JPEG, PNG or WebP photo at least 320 pixels wide (800 or more looks best), "
        "at most 8 MB. It is cropped to a 4:5 portrait around the middle, so leave some space above the head. "
        "The site keeps copies in the sizes pages use and removes the camera's details (place, time) from them. "
        "Without a photo the site shows the provider's initials in the practice's colour.",
    )
    photo_widths = models.JSONField(default=list, blank=True, editable=False)
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_alt = models.CharField(
        "photo description",
        max_length=200,
        blank=True,
        help_text="Needed with a photo: what it shows, for patients who use a screen reader, e.g. "
        "“Dr. Whitfield smiling in the clinic”.",
    )
    languages = models.CharField(
        "languages spoken",
        max_length=200,
        default="English",
        validators=[validate_single_line],
        help_text="The languages they see patients in, separated by commas, e.g. “English, Spanish”.",
    )
    npi = models.CharField(
        "NPI", max_length=10, blank=True, validators=[validate_npi],
        help_text="The clinician's own National Provider Identifier: 10 digits, from the NPI registry. "
        "Printed on good faith estimates. Leave empty for staff who do not treat patients.",
    )
    board_certifications = models.TextField(
        "board certifications",
        blank=True,
        validators=[validate_list_lines],
        help_text="Current board certifications, one per line, as the certificate words the specialty, e.g. "
        "“Physical Medicine and Rehabilitation”. Check each one on the board's own site before adding it; remove "
        "one that has lapsed. Leave empty if none.",
    )
    in_practice_since = models.PositiveSmallIntegerField(
        "year started in practice",
        null=True,
        blank=True,
        help_text="The year they first treated patients after finishing training, e.g. 2012. The site shows "
        "“14 years in practice” and counts on by itself each year. Leave empty to show nothing.",
    )
    affiliations = models.TextField(
        "affiliations",
        blank=True,
        validators=[validate_list_lines],
        help_text="Hospitals where they have privileges, teaching posts and professional societies, one per line, "
        "e.g. “Member, American Academy of Physical Medicine and Rehabilitation”. Only current ones.",
    )
    offers_telehealth = models.BooleanField(
        "offers video visits", default=True, help_text="Tick if this provider sees patients by video."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Untick when someone leaves: they disappear from the site but their history stays."
    )
    staff_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="provider",
        verbose_name="staff sign-in",
        help_text="The clinician's own sign-in to the admin (in the “Clinicians” group): they then see their own schedule "
        "and their patients' intake forms. Leave empty for someone who does not sign in.",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first on the team page.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def bio_paragraphs(self):
        return paragraphs_of(self.bio)

    @property
    def language_list(self) -> list[str]:
        return [language.strip() for language in self.languages.split(",") if language.strip()]

    @property
    def initials(self) -> str:
        """Shown in place of a photo."""
        return "".join(word[0] for word in self.name.split() if word[:1].isalpha())[:3].upper()

    @property
    def is_physician(self) -> bool:
        """An MD or a DO (by the letters after the name)."""
        return bool({"MD", "DO"} & set(re.findall(r"[A-Za-z]+", self.credentials.upper().replace(".", ""))))

    @property
    def certification_list(self) -> list[str]:
        return lines_of(self.board_certifications)

    @property
    def affiliation_list(self) -> list[str]:
        return lines_of(self.affiliations)

    def years_in_practice_on(self, day) -> int | None:
        """Whole calendar years since they started in practice (0 in their first year), or None if not entered."""
        if self.in_practice_since is None:
            return None
        return max(day.year - self.in_practice_since, 0)

    @property
    def years_in_practice(self) -> int | None:
        # Cached pages never outlive midnight (clinic.content), so the count turns over on New Year's Day.
        return self.years_in_practice_on(timezone.localdate())

    @property
    def has_trust_facts(self) -> bool:
        return bool(self.board_certifications.strip() or self.affiliations.strip() or self.in_practice_since)

    def clean(self):
        if self.photo and not self.photo_alt:
            raise ValidationError({"photo_alt": "Describe the photo for patients who cannot see it."})
        this_year = timezone.localdate().year
        if self.in_practice_since is not None and not EARLIEST_PRACTICE_YEAR <= self.in_practice_since <= this_year:
            raise ValidationError(
                {"in_practice_since": f"Enter the year as four digits, between {EARLIEST_PRACTICE_YEAR} and {this_year}."}
            )

    def save(self, *args, **kwargs):
        unused = store_new_uploads(self, {"photo": PORTRAIT}, stem=self.slug or self.name)
        super().save(*args, **kwargs)
        delete_on_commit(self.photo.storage, unused)

    @property
    def portrait(self):
        """The photo as pages show it (`clinic.images.Picture`), or None: pages then show `initials`."""
        return picture_of(self, "photo", self.photo_alt)

    def licence_in(self, state: str):
        """This clinician's licence in `state` (a two-letter code), or None."""
        return next((licence for licence in self.licences.all() if licence.state == state), None)


class ProviderLicence(models.Model):
    """A clinician's licence to practise in one state. A video visit is offered, and booked,
    only with a clinician licensed in the state where the patient will be during the visit."""

    class Type(models.TextChoices):
        MD = "MD", "Physician (MD)"
        DO = "DO", "Physician (DO)"
        PA_C = "PA-C", "Physician assistant (PA-C)"
        NP = "NP", "Nurse practitioner (NP)"
        PT = "PT", "Physical therapist (PT)"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="licences")
    state = models.CharField(max_length=2, choices=US_STATES, help_text="The state (or DC) whose board issued the licence.")
    licence_type = models.CharField(
        "licence type", max_length=8, choices=Type.choices, help_text="What the licence allows them to practise as."
    )
    number = models.CharField(
        "licence number", max_length=30, blank=True, validators=[validate_single_line],
        help_text="Optional, as the board prints it, e.g. D0099999. Shown to the patient before a video visit with this clinician.",
    )

    class Meta:
        verbose_name = "licence"
        ordering = ["provider", "state"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "state"], name="provider_licence_one_per_state",
                violation_error_message="This clinician already has a licence in that state.",
            ),
        ]

    def __str__(self):
        return f"{self.get_state_display()}: {self.get_licence_type_display()}"

    @property
    def kind(self) -> str:
        """“physician (MD)”, “physician assistant (PA-C)”: the licence type within a sentence."""
        label = self.get_licence_type_display()
        return label[:1].lower() + label[1:]


# The notices the law requires live in their own module; `from clinic.models import …` finds them here.
from clinic.models.legal import LanguageTagline, LegalNotice, LegalNoticeVersion  # noqa: E402

__all__ = [
    "Announcement",
    "HolidayHours",
    "LanguageTagline",
    "LegalNotice",
    "LegalNoticeVersion",
    "OfficeHours",
    "Practice",
    "Provider",
    "ProviderLicence",
    "SingleRowModel",
    "lines_of",
    "paragraphs_of",
]

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from clinic.models import Provider
from clinic.rich_text import rich_text_field, sanitize_rich_text


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Condition(models.Model):
    """A problem patients come with (neck pain, sciatica, ...), linked to the treatments for it."""

    name = models.CharField(max_length=100, help_text="As patients would say it, e.g. “Neck pain”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the web address. Filled in from the name.")
    summary = models.CharField(
        max_length=300, help_text="One or two plain sentences describing the condition, shown on its page and in lists."
    )
    about = rich_text_field(
        "what it is",
        "What the condition is and how it feels, in plain words a patient would use. Say only what our clinicians "
        "stand behind. Leave empty to show the summary alone.",
    )
    approach = rich_text_field(
        "how we approach it",
        "How the practice looks into this condition and plans treatment with the patient. The treatments ticked on "
        "each treatment page are listed after it, with a booking button. Leave empty to leave the section out.",
    )
    is_published = models.BooleanField("published", default=True, help_text="Untick to hide the page from patients.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("services:condition", kwargs={"slug": self.slug})


class Service(models.Model):
    """A treatment page, e.g. Dry needling, with its questions and answers."""

    title = models.CharField(max_length=100, help_text="The treatment's name, e.g. “Dry needling”.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The end of the page's web address (/services/<slug>/). Avoid changing it once published.",
    )
    summary = models.CharField(
        max_length=400, help_text="One plain paragraph under the title, also used in lists of treatments."
    )
    intro = rich_text_field("introduction", "The opening text of the page, before the questions and answers.")
    aftercare = rich_text_field(
        "what to expect after", "What patients can and should not do after the treatment. Leave empty to leave the section out."
    )
    conditions = models.ManyToManyField(
        Condition, blank=True, related_name="services", help_text="The conditions this treatment helps with."
    )
    combined_with = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        help_text="Other treatments on this site that are often given together with this one. The link shows on both pages.",
    )
    other_combined_treatments = models.CharField(
        "other treatments it is combined with",
        max_length=300,
        blank=True,
        help_text="Treatments without a page of their own, separated by commas, e.g. “Massage, Physical therapy, Muscle relaxants”.",
    )
    reviewed_by = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_services",
        help_text="The clinician who last checked this page for medical accuracy.",
    )
    reviewed_on = models.DateField(
        "reviewed on", null=True, blank=True, help_text="When they checked it. Shown on the page with their name."
    )
    seo_description = models.CharField(
        "search engine description",
        max_length=160,
        blank=True,
        help_text="Up to 160 characters that search engines may show under the page title. Leave empty to use the summary.",
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Patients only see published pages. Staff can preview drafts."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        if bool(self.reviewed_by_id) != bool(self.reviewed_on):
            raise ValidationError("Fill in both who reviewed the page and when, or neither.")

    def save(self, *args, **kwargs):
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("services:detail", kwargs={"slug": self.slug})

    @property
    def description(self):
        return self.seo_description or self.summary

    @property
    def other_combined_treatment_names(self):
        return [name.strip() for name in self.other_combined_treatments.split(",") if name.strip()]


# Ids the treatment page uses for itself; a question's anchor may not take them.
RESERVED_ANCHORS = {"main", "page-contents", "page-aftercare", "page-book"}


class Question(models.Model):
    """One question and answer on a treatment page."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(max_length=200, help_text="As a patient would ask it, e.g. “What is a trigger point?”")
    answer = rich_text_field("answer", "The answer, in plain words.", blank=False)
    slug = models.SlugField(
        max_length=80, help_text="The question's anchor in the page address (#what-is-a-trigger-point). Filled in from the question."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Questions are shown from the lowest number.")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["service", "slug"], name="question_slug_unique_per_service")]

    def __str__(self):
        return self.question

    def clean(self):
        if self.slug in RESERVED_ANCHORS:
            raise ValidationError({"slug": f"“{self.slug}” is used by the page itself. Add a word, e.g. “{self.slug}-question”."})

    def save(self, *args, **kwargs):
        sanitize_rich_text(self)
        super().save(*args, **kwargs)

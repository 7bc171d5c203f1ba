"""The waitlist (issue 17): patients who would take a time that frees up, and the offers made to them."""

import secrets

from django.conf import settings as django_settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.urls import reverse

from appointments.models.appointment import Appointment, VisitType, new_reference
from appointments.models.outbox import OutboxMessage
from appointments.models.patient import PatientContact, form_key_field
from clinic.models import Provider

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def waitlist_signer(kind: str) -> signing.Signer:
    """Made on each use (the current SECRET_KEY and its fallbacks); only the nonce is stored."""
    return signing.Signer(salt=f"appointments.waitlist.{kind}", sep=".")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def from_signed(model, kind: str, token: str):
    if not token or len(token) > 100 or "." not in token:
        return None
    try:
        nonce = waitlist_signer(kind).unsign(token)
    except signing.BadSignature:
        return None
    return model.objects.filter(link_nonce=nonce).first()


class WaitlistEntry(PatientContact):
    """A patient who would like a visit sooner than the free times allow: for a visit type, with
    a provider or any, on some days and times of day, within a date range. Offered freed times in
    the order they joined (`appointments.waitlist`)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked a time offered"
        LEFT = "left", "Left the list"
        EXPIRED = "expired", "Ended (its last day passed)"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="waitlist_entries")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_entries",
        help_text="Empty: any provider who offers the visit.",
    )
    first_day = models.DateField("from")
    last_day = models.DateField("until")
    mornings = models.BooleanField(default=True, help_text="Times starting before noon.")
    afternoons = models.BooleanField(default=True, help_text="Times starting at noon or later.")
    weekdays = models.CharField(
        max_length=7, default="01234", help_text="The days of the week that suit, as digits (0 Monday … 6 Sunday).",
    )
    # A patient already booked who would like an earlier time: claiming an offer moves this visit.
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="waitlist_entries",
        help_text="The visit to move earlier, when the patient is booked already.",
    )
    patient = models.ForeignKey(
        "appointments.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_entries",
    )
    coverage = models.CharField("how the visit is paid", max_length=20, choices=Appointment.Coverage.choices, blank=True, default="")
    insurance_plan = models.ForeignKey("appointments.InsurancePlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    insurance_plan_name = models.CharField("insurance plan as given", max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    link_nonce = models.CharField(max_length=32, unique=True, null=True, editable=False, default=new_nonce)
    form_key = form_key_field()
    created_at = models.DateTimeField("joined", auto_now_add=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="waitlist_range_in_order"),
            models.CheckConstraint(condition=Q(mornings=True) | Q(afternoons=True), name="waitlist_some_time_of_day"),
        ]

    def __str__(self):
        return f"Waitlist {self.reference}"

    def token(self) -> str:
        return waitlist_signer("entry").sign(self.link_nonce)

    def page_url(self) -> str:
        return django_settings.SITE_URL + reverse("appointments:waitlist_entry", kwargs={"token": self.token()})

    @classmethod
    def from_token(cls, token):
        return from_signed(cls, "entry", token)

    def get_admin_url(self):
        return reverse("admin:appointments_waitlistentry_change", args=[self.pk])

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(digit) for digit in self.weekdays if digit.isdigit()]

    def days_text(self) -> str:
        numbers = self.weekday_numbers
        if numbers == list(range(5)):
            return "Monday to Friday"
        return ", ".join(WEEKDAY_NAMES[number] for number in numbers) or "any day"

    def times_text(self) -> str:
        if self.mornings and self.afternoons:
            return "mornings or afternoons"
        return "mornings" if self.mornings else "afternoons"


class WaitlistOffer(models.Model):
    """A freed time offered to one waitlisted patient, with a claim link that expires. The first
    to claim a time gets it (the no-overlap rule decides); the others are told kindly it has gone."""

    class Status(models.TextChoices):
        OPEN = "open", "Offered"
        CLAIMED = "claimed", "Claimed"
        GONE = "gone", "Taken by someone else"
        EXPIRED = "expired", "Not claimed in time"
        WITHDRAWN = "withdrawn", "Withdrawn (the patient left the list)"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    by_staff = models.BooleanField("offered by hand", default=False)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="Until when it can be claimed: the claim window runs from when its email went out.")
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When its email went out (empty: not yet, e.g. the mail server is down).")
    claimed_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link_nonce = models.CharField(max_length=32, unique=True, null=True, editable=False, default=new_nonce)

    class Meta:
        ordering = ["offered_at", "pk"]
        indexes = [models.Index(fields=["provider", "starts_at"], name="waitlist_offer_time")]

    def __str__(self):
        return f"Offer {self.pk} to {self.entry.reference}"

    def token(self) -> str:
        return waitlist_signer("offer").sign(self.link_nonce)

    def has_run_out(self, now) -> bool:
        """An open offer past its time. The time runs from its email: an offer not emailed yet (a mail
        outage) has not run out, whatever `expires_at` first said (`appointments.waitlist.expire`
        still ends it once its visit is inside the minimum notice)."""
        return self.status == self.Status.OPEN and self.emailed_at is not None and self.expires_at <= now

    def claim_until_if_emailed(self, now, settings):
        """The `expires_at` this offer gets if its email goes out at `now`: the claim window from then
        (never shorter than it was, never past the minimum notice); as it is once emailed or no longer open."""
        if self.status != self.Status.OPEN or self.emailed_at is not None:
            return self.expires_at
        return max(self.expires_at, settings.waitlist_claim_until(self.starts_at, now))

    def claim_url(self) -> str:
        return django_settings.SITE_URL + reverse("appointments:waitlist_claim", kwargs={"token": self.token()})

    @classmethod
    def from_token(cls, token):
        return from_signed(cls, "offer", token)


class WaitlistMessage(models.Model):
    """Which waitlist entry or offer an outbox message is about, so its link is made when it is
    sent (`appointments.outbox`): no stored body holds a working link."""

    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, related_name="waitlist")
    entry = models.ForeignKey(WaitlistEntry, null=True, on_delete=models.SET_NULL, related_name="+")
    offer = models.ForeignKey(WaitlistOffer, null=True, on_delete=models.SET_NULL, related_name="+")

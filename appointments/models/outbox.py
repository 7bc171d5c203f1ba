from django.db import models
from django.utils import timezone

from appointments.models.appointment import Appointment


class OutboxMessageQuerySet(models.QuerySet):
    def abandoned(self):
        return self.filter(status=OutboxMessage.Status.ABANDONED)


class OutboxMessage(models.Model):
    """An email waiting to be sent. Written in the same transaction as the change it is
    about, so a mail server that is down never loses a message: the outbox worker
    (`send_outbox --forever`) sends it and retries. The body never holds the patient's
    manage link: `appointments.outbox` fills it in when it sends. `html_body`, when there is
    one, is the same email in the practice's brand (sent as the HTML alternative); messages
    queued without one go out as plain text."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        ABANDONED = "abandoned", "Not delivered (gave up)"
        DROPPED = "dropped", "Not sent (no longer needed)"

    kind = models.CharField(max_length=40, help_text="What the message is, e.g. patient confirmation.")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    html_body = models.TextField(
        blank=True, help_text="The same email laid out in the practice's colours, sent alongside the plain text (empty: plain text only)."
    )
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Every try, including those started by hand.")
    scheduled_tries = models.PositiveIntegerField(
        default=0, help_text="Failed tries on the back-off schedule; sets the wait before the next one."
    )
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "outbox message"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

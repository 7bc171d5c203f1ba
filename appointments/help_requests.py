"""Every change to a request for help or an accommodation, each made by one function here:

- `ask_for_help`: someone asks online (/accessibility/ask/) for an interpreter, sign language,
  large print or other help; the front desk is alerted (a reference and an admin link only);
- `mark_handled`, `reopen` and `save_notes`: the front desk's follow-up in the admin.

Atomic, re-checking the row under a lock, emails queued in the same transaction, like
`appointments.booking`; the insert carries no patient value (`insert_without_patient_values`).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from appointments import notifications
from appointments.booking import refusal_from
from appointments.models import HelpRequest, insert_without_patient_values

# What the person told us: never in the insert, never in the audit trail (appointments.audit).
PRIVATE_FIELDS = ["name", "phone", "email", "kinds", "language", "visit_reference", "message"]


def ask_for_help(details: dict, form_key: str | None = None) -> HelpRequest:
    """Save a request (PRIVATE_FIELDS as keys) and alert the front desk, or save nothing. Sent again
    with the same `form_key` (a double click, a re-send), the request it saved comes back."""
    help_request = HelpRequest(**details, form_key=form_key or None)
    try:
        help_request.full_clean(exclude=["reference", "form_key"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise refusal_from(error) from None
    sent_before = HelpRequest.objects.filter(form_key=help_request.form_key)
    with transaction.atomic():
        if help_request.form_key and sent_before.exists():
            return sent_before.get()
        try:
            insert_without_patient_values(help_request, private=PRIVATE_FIELDS)
        except IntegrityError:
            if not help_request.form_key or not sent_before.exists():
                raise
            return sent_before.get()
        notifications.queue_help_request_received(help_request)
    return help_request


def _follow_up(help_request: HelpRequest, notes: str | None, **changes) -> HelpRequest:
    with transaction.atomic():
        help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
        for name, value in changes.items():
            setattr(help_request, name, value)
        if notes is not None:
            help_request.notes = notes
        help_request.save(update_fields=[*changes, "notes", "updated_at"])
    return help_request


def mark_handled(help_request: HelpRequest, *, notes: str | None = None) -> HelpRequest:
    """The help is arranged and the person told."""
    return _follow_up(help_request, notes, status=HelpRequest.Status.HANDLED)


def reopen(help_request: HelpRequest, *, notes: str | None = None) -> HelpRequest:
    """Back to the to-do list, e.g. marked handled by mistake."""
    return _follow_up(help_request, notes, status=HelpRequest.Status.NEW)


def save_notes(help_request: HelpRequest, *, notes: str) -> HelpRequest:
    return _follow_up(help_request, notes)

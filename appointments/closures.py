"""What the holiday-hours admin (in `clinic`, which may not import this app) may do with the
visits a closure hits, handed to it through `clinic.seams.provide_closure_actions`.

Visits are named by reference; each change is one function of `appointments.booking`
(`cancel_for_closure`, `notify_of_closure`), whose refusals are collected, not raised: the
page says how many were done and why the others were not.
"""

from appointments import booking, notifications
from appointments.models import Appointment, OutboxMessage
from clinic.seams import Closure, ClosureActions


def may_open_visits(user) -> bool:
    return user.has_perm("appointments.view_appointment") or user.has_perm("appointments.change_appointment")


def may_change_visits(user) -> bool:
    return user.has_perm("appointments.change_appointment")


def _each(references, change) -> tuple[int, list[str]]:
    return booking.apply_to_each(Appointment.objects.filter(reference__in=list(references)).order_by("starts_at"), change)


def cancel_and_notify(references: list[str], closure: Closure) -> tuple[int, list[str]]:
    return _each(references, lambda appointment: booking.cancel_for_closure(appointment, closure))


def notify_only(references: list[str], closure: Closure) -> tuple[int, list[str]]:
    return _each(references, lambda appointment: booking.notify_of_closure(appointment, closure))


def notified_since(references: list[str], since) -> set[str]:
    """The visits among `references` whose patient was sent a closure notice (`notify_only`) since `since`."""
    return set(
        OutboxMessage.objects.filter(
            kind=notifications.PATIENT_CLOSURE_NOTICE, appointment__reference__in=list(references), created_at__gte=since,
        ).values_list("appointment__reference", flat=True)
    )


def alert_front_desk(count: int, closure: Closure, admin_url: str):
    notifications.queue_closure_alert(count, closure, admin_url)


CLOSURE_ACTIONS = ClosureActions(
    may_open_visits=may_open_visits, may_change_visits=may_change_visits,
    cancel_and_notify=cancel_and_notify, notify_only=notify_only, alert_front_desk=alert_front_desk,
    notified_since=notified_since,
)

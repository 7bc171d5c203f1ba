"""The staff's side of appointments in the Django admin, one module per feature:
`appointment` (bookings, the day schedule), `schedule` (working hours, time off, visit
types and their prices, booking settings), `insurance` (the plans
taken), `intake` (visits' intake: the list and the summary for the chart), `screening` (treatments'
safety questions and consent versions), `waitlist` (who waits for a freed time; offering one by hand), `telehealth` (call-back requests, the telehealth page), `help_request`
(requests for help or an accommodation), `patients` (patient records: history,
corrections, merging), `outbox` (emails), `estimates` (good faith
estimates) and `audit_trail` (list pages viewed, the audit trail of one patient;
superusers only). The admin only calls `appointments.booking` and
`appointments.telehealth` to change appointments and requests."""

from appointments.admin import (  # noqa: F401  registers each ModelAdmin
    appointment, audit_trail, estimates, help_request, insurance, intake, outbox, patients, schedule, screening, telehealth,
    waitlist,
)

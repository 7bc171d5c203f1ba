"""The staff's side of appointments in the Django admin, one module per feature:
`appointment` (bookings, the day schedule), `schedule` (working hours, time off, visit
types and their prices, booking settings), `insurance` (the plans
taken), `telehealth` (call-back requests, the telehealth page), `help_request`
(requests for help or an accommodation), `patients` (patient records: history,
corrections, merging), `outbox` (emails) and `estimates` (good faith
estimates). The admin only calls `appointments.booking` and
`appointments.telehealth` to change appointments and requests."""

from appointments.admin import appointment, estimates, help_request, insurance, outbox, patients, schedule, telehealth  # noqa: F401  registers each ModelAdmin

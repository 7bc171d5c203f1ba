from django.urls import path

from appointments.views import booking, estimates, help_request, insurance, intake, manage, team, telehealth, waitlist

app_name = "appointments"

urlpatterns = [
    # The booking flow: visit type and place, then provider and time, then details.
    path("book/", booking.book, name="book"),
    path("book/time/", booking.book_time, name="book_time"),
    path("book/details/", booking.book_details, name="book_details"),
    path("book/confirmed/", booking.book_confirmed, name="book_confirmed"),
    path("book/<slug:service_slug>/", booking.book, name="book_service"),
    # The patient's own booking, from the link in their email.
    path("appointments/manage/<str:token>/", manage.manage, name="manage"),
    path("appointments/manage/<str:token>/cancel/", manage.manage_cancel, name="manage_cancel"),
    path("appointments/manage/<str:token>/cancel-rest/", manage.manage_cancel_rest, name="manage_cancel_rest"),
    path("appointments/manage/<str:token>/reschedule/", manage.manage_reschedule, name="manage_reschedule"),
    path("appointments/manage/<str:token>/estimate/", estimates.manage_estimate, name="manage_estimate"),
    path("appointments/manage/<str:token>/earlier/", waitlist.earlier, name="manage_earlier"),
    # The waitlist: joining, one's own entry (see, leave), and a time offered by email (claim).
    path("waitlist/join/", waitlist.join, name="waitlist_join"),
    path("waitlist/joined/", waitlist.joined, name="waitlist_joined"),
    path("waitlist/offer/<str:token>/", waitlist.claim, name="waitlist_claim"),
    path("waitlist/<str:token>/", waitlist.entry_page, name="waitlist_entry"),
    path("waitlist/<str:token>/leave/", waitlist.leave, name="waitlist_leave"),
    # The patient's forms before the visit (intake, safety questions, consent): an overview, one section per page, done.
    path("appointments/manage/<str:token>/intake/", intake.intake_overview, name="intake"),
    path("appointments/manage/<str:token>/intake/done/", intake.intake_done, name="intake_done"),
    path("appointments/manage/<str:token>/intake/<slug:slug>/", intake.intake_section, name="intake_section"),
    # Good faith estimates asked for without booking: the form, its thank-you page, and the estimate's own link.
    path("estimates/ask/", estimates.ask_for_estimate, name="ask_for_estimate"),
    path("estimates/ask/sent/", estimates.estimate_request_sent, name="estimate_request_sent"),
    path("estimates/<str:token>/", estimates.estimate, name="estimate"),
    # Plans taken and self-pay prices; asking for help or an accommodation (from the accessibility statement).
    path("insurance/", insurance.insurance, name="insurance"),
    path("accessibility/ask/", help_request.ask_for_help_page, name="ask_for_help"),
    path("accessibility/ask/sent/", help_request.ask_for_help_sent, name="ask_for_help_sent"),
    # A provider's own page, linked from the team page (clinic:team) and from booking.
    path("team/<slug:slug>/", team.provider_page, name="provider"),
    # Video visits explained, and a request for a call back to arrange one.
    path("telehealth/", telehealth.telehealth, name="telehealth"),
    path("telehealth/request/", telehealth.telehealth_request, name="telehealth_request"),
    path("telehealth/request/sent/", telehealth.telehealth_request_sent, name="telehealth_request_sent"),
]

"""The appointments app's models, one module per feature. Import them from here."""

from appointments.models.appointment import REFERENCE_ALPHABET, Appointment, AppointmentSeries, VisitType, hash_token, new_reference
from appointments.models.availability import AvailabilityVersion
from appointments.models.booking_settings import BookingSettings
from appointments.models.estimate import EstimateItem, GoodFaithEstimate, new_link_nonce
from appointments.models.help_request import HelpRequest
from appointments.models.insurance import InsurancePlan
from appointments.models.intake import ConsentSignature, Intake, ScreeningQuestion, TreatmentConsent
from appointments.models.list_view import PatientListView, PatientListViewRow
from appointments.models.outbox import OutboxMessage
from appointments.models.patient import CONTACT_FIELDS, Patient, PatientContact, insert_without_patient_values, validate_date_of_birth
from appointments.models.schedule import TimeOff, WorkingHours
from appointments.models.telehealth import TelehealthPage, TelehealthRequest
from appointments.models.waitlist import WaitlistEntry, WaitlistMessage, WaitlistOffer
from clinic.us_states import US_STATES

__all__ = [
    "CONTACT_FIELDS", "REFERENCE_ALPHABET", "US_STATES", "Appointment", "AppointmentSeries", "AvailabilityVersion", "BookingSettings", "ConsentSignature", "EstimateItem",
    "GoodFaithEstimate", "Intake", "ScreeningQuestion", "TreatmentConsent",
    "HelpRequest", "InsurancePlan", "OutboxMessage",
    "Patient", "PatientContact", "PatientListView", "PatientListViewRow", "TelehealthPage", "TelehealthRequest", "TimeOff", "VisitType", "WaitlistEntry", "WaitlistMessage", "WaitlistOffer", "WorkingHours",
    "hash_token", "insert_without_patient_values", "new_link_nonce", "new_reference", "validate_date_of_birth",
]

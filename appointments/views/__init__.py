"""The patient-facing pages: booking (`booking`), the patient's own appointment (`manage`) and telehealth (`telehealth`)."""

"""Forms for patients: the booking flow (`booking`) and the telehealth request (`telehealth`).
They check what the browser sent; `appointments.booking` and `appointments.telehealth`
decide and make every change. The staff's forms live with the admin."""

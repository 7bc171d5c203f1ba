"""schema.org JSON-LD for the practice, built from the same hours as the pages."""

from datetime import date

from clinic.hours import WEEKDAY_NAMES, PracticeHours


def opening_hours_specification(hours: PracticeHours) -> list[dict]:
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": f"https://schema.org/{WEEKDAY_NAMES[weekday]}",
            "opens": block.opens.strftime("%H:%M"),
            "closes": block.closes.strftime("%H:%M"),
        }
        for weekday in range(7)
        for block in sorted(hours.weekly.get(weekday, ()))
    ]


def special_opening_hours_specification(hours: PracticeHours, today: date) -> list[dict]:
    """Upcoming holiday hours; a closed day opens and closes at 00:00, as search engines expect."""
    specs = []
    for holiday in hours.upcoming_holidays(today):
        blocks = [(b.opens.strftime("%H:%M"), b.closes.strftime("%H:%M")) for b in holiday.blocks] or [("00:00", "00:00")]
        for opens, closes in blocks:
            specs.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "name": holiday.label,
                    "validFrom": holiday.first_day.isoformat(),
                    "validThrough": holiday.last_day.isoformat(),
                    "opens": opens,
                    "closes": closes,
                }
            )
    return specs


def medical_clinic(practice, hours: PracticeHours, today: date, site_url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "url": site_url,
        "openingHoursSpecification": opening_hours_specification(hours),
    }
    specials = special_opening_hours_specification(hours, today)
    if specials:
        data["specialOpeningHoursSpecification"] = specials
    if practice is not None:
        data.update(
            {
                "name": practice.name,
                "description": practice.specialties,
                "telephone": practice.phone,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": practice.street_address,
                    "addressLocality": practice.city,
                    "addressRegion": practice.state,
                    "postalCode": practice.postal_code,
                    "addressCountry": "US",
                },
            }
        )
        if practice.email:
            data["email"] = practice.email
        if practice.directions_url:
            data["hasMap"] = practice.directions_url
    return data

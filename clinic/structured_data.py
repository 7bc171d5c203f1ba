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
                "address": postal_address(practice),
            }
        )
        if practice.email:
            data["email"] = practice.email
        if practice.directions_url:
            data["hasMap"] = practice.directions_url
        if practice.affiliation_list:
            data["memberOf"] = [{"@type": "Organization", "name": name} for name in practice.affiliation_list]
    return data


def postal_address(practice) -> dict:
    return {
        "@type": "PostalAddress",
        "streetAddress": practice.street_address,
        "addressLocality": practice.city,
        "addressRegion": practice.state,
        "postalCode": practice.postal_code,
        "addressCountry": "US",
    }


def provider_page(provider, treatments: list[str], page_url: str, image_url: str, practice, site_url: str) -> dict:
    """A provider's own page: `Physician` for an MD or DO; anyone else (a physician assistant) is a
    `Person` with a job title who works for the practice's MedicalClinic."""
    clinic = {"@type": "MedicalClinic", "url": site_url}
    if practice is not None:
        clinic.update({"name": practice.name, "telephone": practice.phone})
    data = {"@context": "https://schema.org", "name": provider.display_name, "url": page_url}
    if provider.is_physician:
        data.update({"@type": "Physician", "parentOrganization": clinic})
        if practice is not None:
            data.update({
                "telephone": practice.phone,
                "address": postal_address(practice),
            })
        if treatments:
            data["availableService"] = [{"@type": "MedicalProcedure", "name": name} for name in treatments]
    else:
        data.update({"@type": "Person", "jobTitle": provider.role, "worksFor": clinic})
        if provider.credentials:
            data["honorificSuffix"] = provider.credentials
    if provider.role and provider.is_physician:
        data["description"] = provider.role
    if provider.language_list:
        data["knowsLanguage"] = provider.language_list
    if provider.certification_list:
        data["hasCredential"] = [
            {"@type": "EducationalOccupationalCredential", "credentialCategory": "Board certification", "name": name}
            for name in provider.certification_list
        ]
    if provider.affiliation_list:
        data["memberOf"] = [{"@type": "Organization", "name": name} for name in provider.affiliation_list]
    if image_url:
        data["image"] = image_url
    return data

"""The demo practice: fictional contact details, real-looking hours, holidays computed from today."""

from datetime import date, time, timedelta

from clinic.hours import TimeBlock

PRACTICE = {
    "name": "Pain, Spine & Rehab Associates",
    "specialties": "Physical Medicine & Rehabilitation and Pain Medicine Specialists located in Gaithersburg, MD",
    # 555-01xx numbers are reserved for fiction; the street is made up.
    "phone": "+13015550142",
    "email": "frontdesk@practice.example",
    "street_address": "100 Example Way, Suite 210",
    "city": "Gaithersburg",
    "state": "MD",
    "postal_code": "20878",
    "directions_url": "https://www.openstreetmap.org/search?query=Gaithersburg%2C%20MD",
    # Made up, in a valid format: CMS's own example NPI (check digit right) and an EIN with the
    # prefix 00, which the IRS never issues. A real practice enters its own.
    "npi": "1234567893",
    "tax_id": "00-0000000",
    # What the site and its treatment pages already say, in order: no promise the demo practice could not keep.
    "first_visit": (
        "Book online or call us. We email you the details, with a link to change or cancel the visit.\n"
        "Bring a photo ID, your insurance card if you use one, a list of the medicines you take and any recent scans or notes "
        "about your pain.\n"
        "Your provider listens to how the pain affects your life and examines you, to find where it comes from.\n"
        "Together you agree a treatment plan. It may combine an office procedure such as dry needling with "
        "massage, physical therapy or muscle relaxants.\n"
        "Dry needling and trigger point injections are done in the office, need no anaesthesia and no time off "
        "to recover.\n"
        "Some follow-up visits can be by video from home."
    ),
    # Made up, like the address: "Example" names, so nobody takes them for a real hospital or society.
    "affiliations": "Example General Hospital, Gaithersburg: our physicians hold privileges there\n"
    "Member practice, Example Regional Pain Network",
}

MORNING = TimeBlock(time(8, 30), time(12, 30))
AFTERNOON = TimeBlock(time(13, 30), time(17, 0))
WEEKLY_HOURS = {
    0: [MORNING, AFTERNOON],
    1: [MORNING, AFTERNOON],
    2: [MORNING, AFTERNOON],
    3: [MORNING, AFTERNOON],
    4: [TimeBlock(time(8, 30), time(14, 0))],
}


def nth_weekday(year, month, weekday, n):
    """The n-th given weekday of a month (n = -1 for the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following_month = date(year + month // 12, month % 12 + 1, 1)
    last = following_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holidays_in(year):
    """(label, day, special hours or None for closed, note) for the practice's holidays of a year."""
    thanksgiving = nth_weekday(year, 11, 3, 4)
    return [
        ("New Year's Day", date(year, 1, 1), None, ""),
        ("Memorial Day", nth_weekday(year, 5, 0, -1), None, ""),
        ("Independence Day", date(year, 7, 4), None, ""),
        ("Labor Day", nth_weekday(year, 9, 0, 1), None, ""),
        ("Thanksgiving", thanksgiving, None, "Messages left today are returned on the next working day."),
        ("Day after Thanksgiving", thanksgiving + timedelta(days=1), TimeBlock(time(8, 30), time(12, 0)), ""),
        ("Christmas Eve", date(year, 12, 24), TimeBlock(time(8, 30), time(12, 0)), ""),
        ("Christmas Day", date(year, 12, 25), None, ""),
    ]


def upcoming_demo_holidays(today):
    """Every demo holiday in the coming year, plus a staff training morning when no holiday is
    within two weeks, so the demo always shows holiday hours on every page."""
    found = [h for year in (today.year, today.year + 1) for h in holidays_in(year) if today <= h[1] < today + timedelta(days=365)]
    found.sort(key=lambda h: h[1])
    if not any(h[1] <= today + timedelta(days=14) for h in found):
        taken = {h[1] for h in found}
        day = today + timedelta(days=7)
        while day.weekday() >= 5 or day in taken:
            day += timedelta(days=1)
        found.append(("Staff training", day, TimeBlock(time(12, 30), time(17, 0)), "Open in the afternoon only."))
    return found


ANNOUNCEMENTS = [
    {
        "slug": "covid-19",
        "title": "What we are doing about COVID-19",
        "kind": "covid",
        "priority": 20,
        "message": "Our office is open. Please read how we keep visits safe, and stay home if you feel unwell.",
        "body": (
            "Your safety and our staff's safety come first. We clean treatment rooms between every patient "
            "and keep the waiting room uncrowded by spacing appointments.\n\n"
            "If you have a fever, a new cough or have been told to isolate, please do not come in. Call us "
            "and we will move your visit or turn it into a video visit at no extra hassle.\n\n"
            "Masks are welcome in the office at any time, and we will wear one on request."
        ),
    },
    {
        "slug": "telehealth-visits",
        "title": "Video visits are available",
        "kind": "telehealth",
        "priority": 10,
        "message": "Now offering telehealth: see your provider by video from home for consultations and follow-ups.",
        "body": (
            "Many consultations and follow-up visits work well by video. You need a phone, tablet or computer "
            "with a camera and a quiet, private place.\n\n"
            "Treatments such as dry needling and trigger point injections still happen in the office."
        ),
    },
    {
        "slug": "holiday-hours",
        "title": "Holiday hours",
        "kind": "holiday",
        "priority": 10,
        "message": "Our hours change around the holidays. Please check holiday hours before you visit.",
        "body": (
            "Holiday closures and shorter days are listed on our Hours & directions page, and next to "
            "the opening hours on every page in the two weeks before.\n\n"
        ),
    },
]

PROVIDERS = [
    {
        "slug": "dana-whitfield",
        "npi": "1000000004",  # made up, valid format
        "name": "Dana Whitfield",
        "credentials": "MD",
        "role": "Physical Medicine & Rehabilitation physician",
        "bio": (
            "Dr. Whitfield treats muscle, joint and spine pain with a focus on getting people moving again. "
            "She performs dry needling and trigger point injections, and builds each plan around the activities "
            "that matter to you.\n\n"
            "She trained in physical medicine and rehabilitation and has cared for patients in Montgomery County "
            "for over a decade."
        ),
        # The specialty the practice names in its specialties line; the year fits "over a decade"; the hospital
        # is the demo's made-up one.
        "board_certifications": "Physical Medicine and Rehabilitation",
        "in_practice_since": 2014,
        "affiliations": "Medical staff, Example General Hospital",
        "offers_telehealth": True,
        "order": 1,
    },
    {
        "slug": "marcus-ellery",
        "npi": "1000000012",  # made up, valid format
        "name": "Marcus Ellery",
        "credentials": "DO",
        "role": "Pain Medicine physician",
        "languages": "English, Spanish",
        "bio": (
            "Dr. Ellery specialises in long-lasting neck and back pain, sciatica and headaches. He explains "
            "every option, from exercise and medication to office-based procedures, before you decide."
        ),
        "board_certifications": "Pain Medicine",
        "in_practice_since": 2011,
        "affiliations": "Medical staff, Example General Hospital\nMember, Example Regional Pain Network",
        "offers_telehealth": True,
        "order": 2,
    },
    {
        "slug": "priya-raman",
        "npi": "1000000020",  # made up, valid format
        "name": "Priya Raman",
        "credentials": "PA-C",
        "role": "Physician assistant",
        "bio": (
            "Priya sees new and returning patients, follows up on treatment plans and answers questions "
            "between visits. Many of her follow-up visits happen by video."
        ),
        "in_practice_since": 2019,
        "offers_telehealth": True,
        "order": 3,
    },
]

# Each demo clinician's licences (state, licence type): all in Maryland, some also in Virginia and DC.
LICENCES = {
    "dana-whitfield": [("MD", "MD"), ("VA", "MD"), ("DC", "MD")],
    "marcus-ellery": [("MD", "DO"), ("VA", "DO")],
    "priya-raman": [("MD", "PA-C")],
}

"""The consent to telehealth that a patient gives before a video visit, versioned.

Maryland's telehealth rules (Health Occupations §1-1002; for physicians, COMAR 10.32.05.04)
ask the clinician, before a video visit, to tell the patient who they are and what they are
licensed as, and to have the patient's consent to care by telehealth. The booking pages show
the clinician's name and licence type in the patient's state and then this wording, with a box
the patient must tick; the appointment records when, and which version of the wording.

THE WORDING BELOW IS A SAMPLE WRITTEN BY THE DEVELOPERS, NOT LEGAL ADVICE: the practice's
counsel should review it before the site takes real bookings. To change it, add a new version
to WORDINGS (never edit or remove one that appointments may name: the admin shows each
appointment the wording it recorded) and point TELEHEALTH_CONSENT_VERSION at it.
"""

# Each version's wording, paragraph by paragraph, exactly as patients were shown it.
WORDINGS = {
    "2026-12-sample": (
        "I agree to have this visit by live video (telehealth) with the clinician named above.",
        "I understand that my clinician will see and hear me through a video connection and cannot examine me "
        "in person. If they decide that I need to be seen in the office, they will tell me and help me book it.",
        "I will be in the state I named for the whole visit, in a place where I can talk privately. My clinician "
        "may ask me to confirm who I am and where I am at the start of the visit.",
        "The same privacy rules protect a video visit as an office visit, but no connection is perfectly secure. "
        "The visit is not recorded.",
        "I may stop the video visit at any time and ask for an office visit instead. Saying no to telehealth does "
        "not change the care I can get at the practice.",
        "If the video connection drops, my clinician will call me on the mobile phone number I give.",
    ),
}

TELEHEALTH_CONSENT_VERSION = "2026-12-sample"
TELEHEALTH_CONSENT_TEXT = WORDINGS[TELEHEALTH_CONSENT_VERSION]

# What a patient ticks online, and what staff tick when they book a video visit by phone.
PATIENT_AGREES = "I have read this and I agree to a video visit with this clinician."
STAFF_CONFIRMS = (
    "Tick when you have told the patient the clinician's name and licence type, read them the telehealth consent "
    f"above (version {TELEHEALTH_CONSENT_VERSION}), and they agreed to a video visit."
)
NOT_GIVEN = "Please tick this box to agree to a video visit, or choose an office visit instead."
STAFF_NOT_GIVEN = "A video visit needs the patient's consent to telehealth: read it to them and tick the box."
WORDING_CHANGED = "The telehealth consent has changed since this page was shown. Please read it again and tick the box."


def wording(version: str) -> tuple[str, ...]:
    """The paragraphs of `version`, or () for a version this release does not know."""
    return WORDINGS.get(version, ())

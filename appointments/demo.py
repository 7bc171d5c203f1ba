"""Demo schedules, visit types with self-pay prices, insurance plans, and the treatments' safety
questions and consent texts for the demo practice."""

from datetime import time

from decimal import Decimal

from appointments import intake
from appointments.models import (
    BookingSettings,
    EstimateItem,
    InsurancePlan,
    ScreeningQuestion,
    TelehealthPage,
    TreatmentConsent,
    VisitType,
    WorkingHours,
)
from clinic.models import Provider
from services.models import Service

FULL_DAY = [(time(8, 30), time(12, 30)), (time(13, 30), time(17, 0))]
WORKING_HOURS = {
    "dana-whitfield": {0: FULL_DAY, 1: FULL_DAY, 3: FULL_DAY, 4: [(time(8, 30), time(14, 0))]},
    "marcus-ellery": {0: FULL_DAY, 2: FULL_DAY, 3: FULL_DAY, 4: [(time(8, 30), time(14, 0))]},
    "priya-raman": {1: FULL_DAY, 2: FULL_DAY, 3: [(time(13, 30), time(17, 0))], 4: [(time(8, 30), time(14, 0))]},
}

VISIT_TYPES = [
    {
        "slug": "new-patient-consultation",
        "name": "New patient consultation",
        "description": "A first, unhurried visit to understand your pain and agree a plan.",
        "duration_minutes": 45,
        "in_office": True,
        "by_video": True,
        "new_patients_only": True,
        "new_patients_may_book": True,
        "order": 1,
        "providers": ["dana-whitfield", "marcus-ellery"],
        "service": None,
    },
    {
        "slug": "follow-up-visit",
        "name": "Follow-up visit",
        "description": "See how your treatment is going and adjust the plan.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": True,
        "new_patients_only": False,
        "order": 2,
        "providers": ["dana-whitfield", "marcus-ellery", "priya-raman"],
        "service": None,
    },
    {
        "slug": "dry-needling-session",
        "name": "Dry needling session",
        "description": "Dry needling of your trigger points, in the office.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": False,
        "new_patients_only": False,
        "new_patients_may_book": False,
        "series_allowed": True,  # a course of treatment: patients book 2 to 8 visits at once
        "order": 3,
        "providers": ["dana-whitfield", "priya-raman"],
        "service": "dry-needling",
    },
    {
        "slug": "trigger-point-injection",
        "name": "Trigger point injection",
        "description": "Trigger point injections, in the office.",
        "duration_minutes": 30,
        "in_office": True,
        "by_video": False,
        "new_patients_only": False,
        "new_patients_may_book": False,
        "series_allowed": True,
        "order": 4,
        "providers": ["dana-whitfield", "marcus-ellery"],
        "service": "trigger-point-injections",
    },
]

# What a patient paying themselves is charged (made up, in the range of Maryland practices).
SELF_PAY_PRICES = {
    "new-patient-consultation": Decimal("250"),
    "follow-up-visit": Decimal("150"),
    "dry-needling-session": Decimal("95"),
    "trigger-point-injection": Decimal("175"),
}

# What good faith estimates list per visit type: code type, code, description, quantity, charge each.
# Demo charges adding up to the self-pay prices above; a real practice enters its own.
# Dry needling is usually self-pay: Medicare does not cover CPT 20560/20561.
ESTIMATE_ITEMS = {
    "new-patient-consultation": [("CPT", "99204", "New patient office visit, moderate complexity (about 45 minutes)", 1, "250.00")],
    "follow-up-visit": [("CPT", "99213", "Established patient office visit, low complexity", 1, "150.00")],
    "dry-needling-session": [("CPT", "20561", "Dry needling, 3 or more muscles", 1, "95.00")],
    "trigger-point-injection": [
        ("CPT", "20552", "Trigger point injection(s), 1 or 2 muscles", 1, "160.00"),
        ("HCPCS", "J3301", "Triamcinolone acetonide (steroid), per 10 mg, if the clinician adds it", 1, "15.00"),
    ],
}

DRY_NEEDLING_NOT_COVERED = "Does not pay for dry needling (CPT 20560/20561): dry needling is self-pay."
# (payer, plan, taken, visit types where the answer is the other way round, note for patients)
INSURANCE_PLANS = [
    ("Medicare", "Part B", True, ["dry-needling-session"], f"Original Medicare. {DRY_NEEDLING_NOT_COVERED}"),
    ("Maryland Medicaid", "HealthChoice", True, ["dry-needling-session"],
     f"Bring your HealthChoice plan card. {DRY_NEEDLING_NOT_COVERED}"),
    ("CareFirst BlueCross BlueShield", "PPO", True, [], ""),
    ("CareFirst BlueCross BlueShield", "BlueChoice HMO", True, [], "A referral from your primary care provider is needed."),
    ("Aetna", "", True, [], ""),
    ("UnitedHealthcare", "", True, [], ""),
    ("Cigna", "", True, [], ""),
    ("Johns Hopkins Employer Health Programs (EHP)", "", True, [], ""),
    ("Tricare", "Select", False, [], "We are not a Tricare network provider: you are welcome to pay yourself."),
    ("Kaiser Permanente", "Mid-Atlantic HMO", False, [], "Kaiser members are seen in Kaiser's own centers."),
]


TELEHEALTH_PAGE = {
    "intro": "<p>A video visit lets you talk with your provider from home, on a phone, tablet or computer. "
    "It is a real appointment: we listen, look at how you move, review your treatment and agree the next steps.</p>",
    "who_it_suits": "<p>Video works well for a first consultation about your pain, for follow-up visits and to see how "
    "a treatment plan is going.</p><p>Treatments that need hands-on care, such as <strong>dry needling</strong> and "
    "<strong>trigger point injections</strong>, happen in the office.</p>",
    "what_you_need": "<ul><li>A phone, tablet or computer with a camera and microphone</li><li>A quiet, private place "
    "with good light and room to stand up and move</li><li>Your list of medicines and your insurance card</li></ul>",
    "how_to_join": "<p>Once the front desk confirms your video visit, your confirmation email has the link to join. "
    "Open it a few minutes before the time; your provider will let you in. If the video drops, we will call you on "
    "your mobile phone.</p>",
}


# Per treatment (services.Service slug): question, why we ask, the answer a clinician reviews, the
# new-patient forms' question it stands for (appointments.models.intake.FORM_QUESTIONS).
SCREENING_QUESTIONS = {
    "dry-needling": [
        ("Do you take a medicine that thins your blood, such as warfarin, apixaban, rivaroxaban, clopidogrel or a daily aspirin?",
         "Needles can cause more bleeding or bruising in people who take blood thinners.", "yes", "blood_thinners"),
        ("Do you have a bleeding or clotting disorder, such as haemophilia?",
         "A bleeding disorder changes whether and how needles can be used safely.", "yes", "bleeding_disorder"),
        ("Are you pregnant, or could you be?",
         "Some points are not needled in pregnancy; your clinician plans the treatment with you.", "yes", "pregnancy"),
        ("Are you very afraid of needles, or have you fainted with needles before?",
         "We can take it slowly, treat you lying down, and stop at any time.", "yes", ""),
        ("Do you have a pacemaker, a heart defibrillator, or an implanted nerve or spinal cord stimulator?",
         "Your clinician may add a mild electrical current to the needles, which is not used with these devices.",
         "yes", "pacemaker"),
    ],
    "trigger-point-injections": [
        ("Have you ever had a reaction to a local anaesthetic, such as lidocaine (the numbing medicine dentists use)?",
         "The injection contains a local anaesthetic: a past reaction changes what we inject.", "yes",
         "local_anaesthetic_allergy"),
        ("Do you take a medicine that thins your blood, such as warfarin, apixaban, rivaroxaban, clopidogrel or a daily aspirin?",
         "Injections can cause more bleeding or bruising in people who take blood thinners.", "yes", "blood_thinners"),
    ],
}
SAMPLE_CONSENT_NOTE = (
    "This is a sample text written for the demo practice. It is not legal or medical advice: the practice's counsel and "
    "its medical director must review and adapt it before patients are asked to sign it."
)
CONSENT_TEXTS = {
    "dry-needling": (
        "Dry needling means placing thin, sterile, single-use needles into tight bands of muscle (trigger points) to "
        "relax them and ease pain. No medicine is injected. Your clinician may add a mild electrical current to some "
        "needles; they will tell you first.\n\n"
        "Common effects: soreness or an ache for a day or two, small bruises, and feeling tired afterwards. Less common: "
        "bleeding, feeling faint, or a short flare of your pain. Rare but serious: an infection, a broken needle, or a "
        "needle near the chest wall letting air into the space around a lung (a collapsed lung), which needs urgent care.\n\n"
        "Other choices include exercise and stretching, manual therapy, medicines and injections; you may choose not to "
        "be treated. Tell your clinician if you take a blood thinner, have a bleeding disorder, are or could be pregnant, "
        "have a pacemaker or another implanted device, or are afraid of needles.\n\n"
        "You can ask questions at any time, and stop the treatment at any time, for any reason.\n\n"
        + SAMPLE_CONSENT_NOTE
    ),
    "trigger-point-injections": (
        "A trigger point injection places a small amount of local anaesthetic (such as lidocaine), sometimes with a "
        "steroid, into a tight, painful band of muscle, to ease the pain and help the muscle relax.\n\n"
        "Common effects: soreness or numbness where the needle went in for a few hours or days, and small bruises. Less "
        "common: bleeding, feeling faint, or a short flare of pain; with a steroid, a flushed face or higher blood sugar "
        "for a day or two. Rare but serious: an infection, an allergic reaction to the medicine, or a needle near the "
        "chest wall letting air into the space around a lung (a collapsed lung), which needs urgent care.\n\n"
        "Other choices include exercise and stretching, manual therapy, dry needling and medicines; you may choose not "
        "to be treated. Tell your clinician about any allergy (especially to local anaesthetics), a blood thinner, or a "
        "pregnancy.\n\n"
        "You can ask questions at any time, and stop the treatment at any time, for any reason.\n\n"
        + SAMPLE_CONSENT_NOTE
    ),
}


def load_demo_screening():
    """The treatments' safety questions and a published consent, for treatments that have none."""
    for service in Service.objects.filter(slug__in=[*SCREENING_QUESTIONS, *CONSENT_TEXTS]):
        if not service.screening_questions.exists():
            ScreeningQuestion.objects.bulk_create(
                ScreeningQuestion(service=service, question=question, reason=reason, review_when=review_when, key=key,
                                  order=order)
                for order, (question, reason, review_when, key) in enumerate(SCREENING_QUESTIONS.get(service.slug, ()), start=1)
            )
        if service.slug in CONSENT_TEXTS and not service.consent_versions.exists():
            intake.publish_consent(TreatmentConsent.objects.create(service=service, text=CONSENT_TEXTS[service.slug]))


def load_demo_booking(today=None):
    """Create what is missing; never change what staff edited."""
    settings = BookingSettings.load(fresh=True)
    if not settings.video_room_template:
        # A made-up address: a real practice enters its own video service's room address.
        settings.video_room_template = "https://video.practice.example/room/psra-{room}"
        settings.save()
    if TelehealthPage.load() is None:
        TelehealthPage.objects.create(**TELEHEALTH_PAGE)
    providers = {provider.slug: provider for provider in Provider.objects.filter(slug__in=WORKING_HOURS)}
    for slug, days in WORKING_HOURS.items():
        provider = providers.get(slug)
        if provider is None or provider.working_hours.exists():
            continue
        WorkingHours.objects.bulk_create(
            WorkingHours(provider=provider, weekday=weekday, starts=starts, ends=ends)
            for weekday, blocks in days.items()
            for starts, ends in blocks
        )
    for fields in VISIT_TYPES:
        fields = dict(fields)
        provider_slugs = fields.pop("providers")
        service_slug = fields.pop("service")
        fields["service"] = Service.objects.filter(slug=service_slug).first() if service_slug else None
        visit_type, created = VisitType.objects.get_or_create(slug=fields["slug"], defaults=fields)
        if created:
            visit_type.providers.set([providers[slug] for slug in provider_slugs if slug in providers])
        if visit_type.self_pay_price is None and visit_type.slug in SELF_PAY_PRICES:
            visit_type.self_pay_price = SELF_PAY_PRICES[visit_type.slug]
            visit_type.save(update_fields=["self_pay_price"])
    for slug, items in ESTIMATE_ITEMS.items():
        visit_type = VisitType.objects.filter(slug=slug).first()
        if visit_type is None or visit_type.estimate_items.exists():
            continue
        EstimateItem.objects.bulk_create(
            EstimateItem(visit_type=visit_type, code_type=code_type, code=code, description=description, quantity=quantity,
                         charge=charge, order=order)
            for order, (code_type, code, description, quantity, charge) in enumerate(items)
        )
    load_demo_insurance_plans()
    load_demo_screening()


def load_demo_insurance_plans():
    """The demo plan list, only while the practice has none (a plan staff deleted stays deleted)."""
    if InsurancePlan.objects.exists():
        return
    visit_types = {visit_type.slug: visit_type for visit_type in VisitType.objects.all()}
    for order, (payer, plan_name, taken, exceptions, note) in enumerate(INSURANCE_PLANS, start=1):
        plan = InsurancePlan.objects.create(payer=payer, plan_name=plan_name, is_taken=taken, note=note, order=order)
        plan.exceptions.set([visit_types[slug] for slug in exceptions if slug in visit_types])

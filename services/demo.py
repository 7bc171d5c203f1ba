"""Demo treatment pages: dry needling and trigger point injections, in our own words."""

from clinic.models import Provider
from services.models import Condition, Question, Service

CONDITIONS = [
    ("neck-pain", "Neck pain", "Stiffness or aching in the neck, often from posture, strain or tight muscles in the upper back."),
    ("back-pain", "Back pain", "Pain anywhere from the shoulder blades to the lower back, from muscles, joints, discs or nerves."),
    ("headaches", "Headaches", "Tension-type headaches that start in tight neck and shoulder muscles and spread to the head."),
    ("piriformis-syndrome", "Piriformis syndrome", "A tight muscle deep in the buttock that presses on the sciatic nerve."),
    ("sciatica", "Sciatica", "Pain, tingling or numbness that runs from the lower back or buttock down the leg."),
    ("tendinitis", "Tendinitis", "An irritated, painful tendon where a muscle attaches to bone, often from repeated movements."),
    ("muscle-strains-and-sprains", "Muscle strains and sprains", "Overstretched or torn muscles and ligaments after a fall, lift or sports injury."),
]

# Condition pages in the practice's own words, saying no more than its treatment pages say: trigger points hurt
# where they are and send pain elsewhere, are common around injuries and in the back and shoulders, and desk
# work leaves them in the upper back, pulling on the neck and the base of the skull. Conditions that source
# says nothing more about get no "what it is" text, only the summary and the approach.
ABOUT = {
    "neck-pain": "<p>Neck pain can start lower down than it is felt. Long days at a desk, typing and using a mouse, can "
    "leave a tight knot (a trigger point) in the upper back. The knot hurts where it is, and it pulls on the muscles "
    "that lead to the neck and the base of the skull, so much of the pain is felt in the neck.</p>",
    "back-pain": "<p>Back pain can come from many places, and your provider looks into where yours comes from. Tight "
    "knots in the muscles, called trigger points, can be part of it: they are common in the back and shoulders and "
    "around injuries, and they hurt where they are as well as sending pain to other areas.</p>",
    "headaches": "<p>Some headaches start in the muscles of the upper back and neck. A tight knot there (a trigger "
    "point), common after long days at a desk typing and using a mouse, can pull on the muscles that lead to the base "
    "of the skull, and the pain is felt as a headache.</p>",
    "muscle-strains-and-sprains": "<p>Trigger points, tight knots in a muscle, are common around injuries. After a "
    "strain or sprain, knots in the nearby muscles can add pain of their own, where they are and in other areas.</p>",
}
APPROACH = (
    "<p>At your first visit your provider listens to how {name} affects your day and examines you, to find where "
    "the pain comes from.</p>"
    "<p>Your treatment plan is made with you. For {name} it may include dry needling or trigger point injections, "
    "usually together with other treatment such as massage, physical therapy or muscle relaxants. Some knots need a "
    "series of treatments, and we show you how to adjust your posture and habits so they are less likely to come "
    "back.</p>"
)

TRIGGER_POINT = (
    "what-is-a-trigger-point",
    "What is a trigger point?",
    "<p>A trigger point is a knot: a small patch of muscle that stays tight, as if in spasm. Trigger points often form "
    "around an injury and are common in the upper back and shoulders.</p>"
    "<p>They hurt where they are, and they can also send pain elsewhere. Someone who types and uses a mouse all day "
    "may have a knot in the upper back that pulls on the muscles of the neck and the base of the skull, and feel it "
    "as neck pain or a headache.</p>",
)
DIFFERENCE = (
    "how-is-dry-needling-different-from-a-trigger-point-injection",
    "How is dry needling different from a trigger point injection?",
    "<p>A <strong>trigger point injection</strong> puts a small amount of local anaesthetic and anti-inflammatory "
    "medicine straight into the knot. The medicine numbs the area and calms inflammation, which helps the muscle let go.</p>"
    "<p><strong>Dry needling</strong> uses very thin, sterile needles without any medicine. The needle itself prompts the "
    "tight band to release. As it does, pain eases and the muscle moves more freely.</p>",
)
VISIT = (
    "what-happens-during-the-visit",
    "What happens during the visit?",
    "<p>You sit or lie on a treatment table. Your provider feels along the muscles, pressing gently to find the trigger "
    "points, then treats each one with a fine needle.</p>"
    "<p>It is done in the office and takes only part of your appointment. You do not need anaesthesia, and there is no "
    "recovery time: most people go straight back to work or home.</p>",
)
COMBINED = (
    "what-is-it-combined-with",
    "What is it combined with?",
    "<p>Needling works best as part of a plan. We often combine it with massage, physical therapy or a short course of "
    "muscle relaxants.</p>"
    "<p>Some knots need a series of treatments. Changing how you sit, work or lift helps stop them from coming back, "
    "and we will show you how.</p>",
)
CONDITIONS_QUESTION = (
    "which-conditions-can-it-help",
    "Which conditions can it help?",
    "<p>We use it for neck and back pain, tension headaches, piriformis syndrome, sciatica, tendinitis, and muscle "
    "strains and sprains, usually together with other treatment.</p>",
)
AFTERCARE = (
    "<p>You can go back to your normal day straight away. For the next 24 to 48 hours, avoid hard exercise and heavy "
    "lifting.</p><p>Gentle stretching helps the muscles stay relaxed. Some soreness for a day or two is normal; call us if "
    "you are worried about anything.</p>"
)

SERVICES = [
    {
        "slug": "dry-needling",
        "title": "Dry needling",
        "summary": "Dry needling releases tight, painful knots in your muscles with thin, sterile needles and no "
        "medication, so the muscle can relax and move freely again.",
        "intro": "<p>If knotted muscles give you pain where they are and pain that spreads, dry needling may help. Our "
        "physical medicine and pain specialists use it to release trigger points, often together with exercise and "
        "physical therapy.</p>",
        "questions": [TRIGGER_POINT, DIFFERENCE, VISIT, COMBINED, CONDITIONS_QUESTION],
        "order": 1,
        "reviewer": "dana-whitfield",
    },
    {
        "slug": "trigger-point-injections",
        "title": "Trigger point injections",
        "summary": "A trigger point injection delivers a little local anaesthetic and anti-inflammatory medicine into a "
        "painful muscle knot to numb it, calm it and help it release.",
        "intro": "<p>When a muscle knot will not let go, a small injection can break the cycle of pain and tension. The "
        "procedure takes minutes, in the office, and you can carry on with your day afterwards.</p>",
        "questions": [TRIGGER_POINT, DIFFERENCE, VISIT, COMBINED, CONDITIONS_QUESTION],
        "order": 2,
        "reviewer": "marcus-ellery",
    },
]


def load_demo_services(today):
    """Create what is missing; never change what staff edited."""
    conditions = {}
    for order, (slug, name, summary) in enumerate(CONDITIONS, start=1):
        conditions[slug], _ = Condition.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "summary": summary,
                "about": ABOUT.get(slug, ""),
                "approach": APPROACH.format(name=name.lower()),
                "order": order,
            },
        )
    services = []
    for fields in SERVICES:
        service, created = Service.objects.get_or_create(
            slug=fields["slug"],
            defaults={
                "title": fields["title"],
                "summary": fields["summary"],
                "intro": fields["intro"],
                "aftercare": AFTERCARE,
                "other_combined_treatments": "Massage, Physical therapy, Muscle relaxants",
                "reviewed_by": Provider.objects.filter(slug=fields["reviewer"]).first(),
                "reviewed_on": today.replace(day=1),
                "seo_description": fields["summary"][:160].rsplit(" ", 1)[0],
                "is_published": True,
                "order": fields["order"],
            },
        )
        if created:
            for order, (slug, question, answer) in enumerate(fields["questions"], start=1):
                Question.objects.create(service=service, slug=slug, question=question, answer=answer, order=order)
            service.conditions.set(conditions.values())
        services.append((service, created))
    if all(created for _, created in services):
        services[0][0].combined_with.add(services[1][0])

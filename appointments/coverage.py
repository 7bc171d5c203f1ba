"""How a visit is paid: the question booking asks (45 CFR 149.610 asks it at scheduling), the
plans the practice takes for each visit type, and the self-pay prices.

`check_coverage` is the one rule, used by the booking form (to tell the patient before they
book) and by `booking.book` inside its transaction (the plan may have changed meanwhile).
A plan the practice does not take for the visit is a refusal with code PLAN_NOT_TAKEN whose
message tells the patient kindly, with the self-pay price and the phone number, how to go on.
"""

from dataclasses import dataclass
from decimal import Decimal

from appointments.models import Appointment, InsurancePlan, VisitType
from appointments.models.appointment import dollars
from clinic.models import Practice
from clinic.seams import VisitPrice

PLAN_NOT_TAKEN = "plan_not_taken"
NOT_LISTED = "not_listed"  # the plan list's last choice: "My plan is not listed"
ANSWERED = (Appointment.Coverage.INSURANCE, *Appointment.SELF_PAY_COVERAGE)
ASK_HOW_YOU_PAY = "Please tell us how you will pay for this visit."
CHOOSE_A_PLAN = "Please choose your insurance plan, or “My plan is not listed”."
TYPE_THE_PLAN = "Please type the name of your insurance plan, as on your card."
PLAN_CHOSEN_AND_TYPED = ("You chose a plan from the list and also typed a plan name. Clear the name to use the plan "
                         "chosen, or choose “My plan is not listed” to use the name typed.")


class CoverageRefused(Exception):
    """The answer cannot be booked as it is: `field` is the booking form's field it is about."""

    def __init__(self, message: str, field: str, code: str = ""):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


@dataclass(frozen=True)
class CoverageAnswer:
    """What the patient answered: `coverage` (an Appointment.Coverage value); for insurance, the plan
    from the list (`plan_id`) or, when it is not listed (`not_listed`), its name as typed (`plan_name`)."""

    coverage: str
    plan_id: int | None = None
    plan_name: str = ""
    not_listed: bool = False


@dataclass(frozen=True)
class CheckedCoverage:
    """What the appointment records: coverage, the plan (or None) and the plan's name."""

    coverage: str
    plan: InsurancePlan | None
    plan_name: str


def price_text(price: Decimal | None) -> str:
    """“$95” or “$95.50”; "" with no price."""
    return dollars(price)


def not_taken_message(plan: InsurancePlan, visit_type: VisitType) -> str:
    practice = Practice.load()
    phone = f" at {practice.phone_display}" if practice else ""
    price = price_text(visit_type.self_pay_price)
    paying = (f"paying yourself: the self-pay price is {price}" if price else "paying yourself (call us for the price)")
    return (
        f"We are sorry: we do not take {plan} for a {visit_type.name.lower()}, so we cannot bill it. You can still book "
        f"this visit {paying}. Choose “I have insurance but will pay myself” or “I do not have insurance” above, "
        f"or call us{phone} and we will help."
    )


def not_taken_message_for_staff(plan: InsurancePlan, visit_type: VisitType) -> str:
    price = price_text(visit_type.self_pay_price) or "no set price: see the visit type"
    return (
        f"We do not take {plan} for a {visit_type.name.lower()}. Tell the patient; if they will pay themselves "
        f"(self-pay price {price}), record “insured, but paying themselves” or “not insured” instead."
    )


def check_coverage(visit_type: VisitType, answer: CoverageAnswer) -> CheckedCoverage:
    """The answer as the appointment records it, or CoverageRefused saying what to change."""
    if answer.coverage not in ANSWERED:
        raise CoverageRefused(ASK_HOW_YOU_PAY, "coverage")
    if answer.coverage != Appointment.Coverage.INSURANCE:
        return CheckedCoverage(answer.coverage, None, "")
    if answer.plan_id is None and not answer.not_listed:
        raise CoverageRefused(CHOOSE_A_PLAN, "insurance_plan")
    if answer.plan_id is None:
        name = " ".join(answer.plan_name.split())
        if not name:
            raise CoverageRefused(TYPE_THE_PLAN, "plan_name")
        return CheckedCoverage(answer.coverage, None, name)
    plan = InsurancePlan.objects.shown().prefetch_related("exceptions").filter(pk=answer.plan_id).first()
    if plan is None:
        raise CoverageRefused(CHOOSE_A_PLAN, "insurance_plan")
    if not plan.takes(visit_type):
        raise CoverageRefused(not_taken_message(plan, visit_type), "insurance_plan", PLAN_NOT_TAKEN)
    return CheckedCoverage(answer.coverage, plan, str(plan))


@dataclass(frozen=True)
class PlanForVisit:
    """A plan as the insurance page and the booking form show it for one visit type."""

    plan: InsurancePlan
    taken: bool


def plans_for(visit_type: VisitType) -> list[PlanForVisit]:
    """Every plan shown to patients, with whether it is taken for `visit_type`."""
    plans = InsurancePlan.objects.shown().prefetch_related("exceptions")
    return [PlanForVisit(plan, plan.takes(visit_type)) for plan in plans]


def visit_prices(service_id: int) -> list[VisitPrice]:
    """The self-pay prices of a treatment's visits bookable online, for its page (clinic.seams)."""
    visit_types = VisitType.objects.bookable().filter(service_id=service_id)
    return [VisitPrice(visit_type.name, price_text(visit_type.self_pay_price)) for visit_type in visit_types]

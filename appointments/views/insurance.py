"""/insurance/: the plans the practice takes (and where that differs by visit), those it does
not, and the self-pay price of every visit bookable online."""

from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_safe

from appointments.coverage import price_text
from appointments.models import InsurancePlan, VisitType
from clinic.page_cache import cached_patient_page


@dataclass(frozen=True)
class PlanRow:
    plan: InsurancePlan
    not_for: list[str]  # taken, but not for these visits
    only_for: list[str]  # not taken, except for these visits


def plan_rows(plans: list[InsurancePlan], visit_types: list[VisitType]) -> tuple[list[PlanRow], list[PlanRow]]:
    """The plans taken for at least one visit bookable online (with the visits they are not taken
    for), and the plans taken for none."""
    taken, not_taken = [], []
    for plan in plans:
        exception_ids = {visit_type.pk for visit_type in plan.exceptions.all()}
        taken_for = [visit_type.name for visit_type in visit_types if plan.takes(visit_type, exception_ids)]
        not_for = [visit_type.name for visit_type in visit_types if not plan.takes(visit_type, exception_ids)]
        if not taken_for:
            not_taken.append(PlanRow(plan, [], []))
        elif plan.is_taken:
            taken.append(PlanRow(plan, not_for, []))
        else:
            # Not taken in general, but for some visits: listed with the plans taken, saying for which.
            taken.append(PlanRow(plan, [], taken_for))
    return taken, not_taken


@require_safe
@cached_patient_page
def insurance(request):
    visit_types = list(VisitType.objects.bookable())
    taken, not_taken = plan_rows(list(InsurancePlan.objects.shown().prefetch_related("exceptions")), visit_types)
    return render(request, "appointments/insurance.html", {
        "taken": taken,
        "not_taken": not_taken,
        "prices": [(visit_type, price_text(visit_type.self_pay_price)) for visit_type in visit_types],
    })

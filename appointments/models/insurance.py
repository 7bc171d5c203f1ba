"""The insurance plans the practice takes (and those it does not), as staff keep them."""

from django.db import models
from django.db.models.functions import Lower

from appointments.models.appointment import VisitType
from clinic.validators import validate_single_line


class InsurancePlanQuerySet(models.QuerySet):
    def shown(self):
        """The plans listed to patients (on /insurance/ and in booking)."""
        return self.filter(is_shown=True)


class InsurancePlan(models.Model):
    """A payer's plan, e.g. “CareFirst BlueCross BlueShield — PPO”: taken or not, for every visit
    type or with exceptions (e.g. Medicare is taken, except for dry needling)."""

    payer = models.CharField(
        max_length=100, validators=[validate_single_line],
        help_text="The insurance company or program as patients know it, e.g. “CareFirst BlueCross BlueShield” or “Medicare”.",
    )
    plan_name = models.CharField(
        "plan", max_length=100, blank=True, validators=[validate_single_line],
        help_text="Optional: the plan or network, e.g. “PPO” or “HealthChoice”. Leave empty if every plan of the payer is the same here.",
    )
    is_taken = models.BooleanField(
        "we take this plan", default=True,
        help_text="Tick if we bill this plan. Untick to list a plan we do not take: patients who choose it are told "
        "kindly before they book, with the self-pay price and our phone number.",
    )
    exceptions = models.ManyToManyField(
        VisitType, blank=True, related_name="insurance_exceptions", verbose_name="except for these visits",
        help_text="Visits where the answer above is the other way round. E.g. Medicare, ticked “we take this plan”, "
        "with “Dry needling session” here: taken for everything except dry needling.",
    )
    note = models.CharField(
        "note for patients", max_length=300, blank=True, validators=[validate_single_line],
        help_text="Optional, one plain sentence shown with the plan, e.g. “A referral from your primary care doctor is needed.”",
    )
    is_shown = models.BooleanField("shown to patients", default=True, help_text="Untick to hide the plan from the website.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = InsurancePlanQuerySet.as_manager()

    class Meta:
        ordering = ["order", "payer", "plan_name"]
        constraints = [models.UniqueConstraint(
            Lower("payer"), Lower("plan_name"), name="insurance_plan_once",
            violation_error_message="This payer and plan are listed already (capitals and spaces aside).",
        )]

    def clean(self):
        # Written once, so that " cigna " and "Cigna" are one plan to the database's check.
        self.payer, self.plan_name = " ".join(self.payer.split()), " ".join(self.plan_name.split())

    def __str__(self):
        return f"{self.payer} — {self.plan_name}" if self.plan_name else self.payer

    def takes(self, visit_type: VisitType, exception_ids: set[int] | None = None) -> bool:
        """Whether we bill this plan for `visit_type` (`exception_ids`: the exceptions' ids, when already loaded)."""
        if exception_ids is None:
            exception_ids = {visit_type.pk for visit_type in self.exceptions.all()}
        return self.is_taken != (visit_type.pk in exception_ids)

"""Hypothesis profiles for the hostile-input tests; pick one with HYPOTHESIS_PROFILE.

- `hostile` (default): about a minute for the package on SQLite;
- `hostile-thorough`: ten times the examples, for a nightly run or after changing a form;
- `hostile-debug`: few examples, every one printed.

Each test asks for a share of the profile's `max_examples` (see `examples`), so a bigger
profile scales them all.
"""

import os

from hypothesis import HealthCheck, Verbosity, settings

# The fixtures (the demo practice, a client) are made once per test and shared by its examples:
# each example compares the rows before and after its own request, so sharing them is sound.
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
COMMON = {"deadline": None, "suppress_health_check": SUPPRESSED, "print_blob": True}
settings.register_profile("hostile", max_examples=60, **COMMON)
settings.register_profile("hostile-thorough", max_examples=600, **COMMON)
settings.register_profile("hostile-debug", max_examples=10, verbosity=Verbosity.verbose, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile"))


def examples(share: float) -> settings:
    """The loaded profile with `share` of its max_examples (at least 5)."""
    return settings(max_examples=max(5, round(settings.default.max_examples * share)))

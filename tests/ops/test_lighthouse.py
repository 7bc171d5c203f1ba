import pytest

from ops.lighthouse import cpu_multiplier


@pytest.mark.parametrize(("benchmark_index", "multiplier"), [
    (2100, 4), (1500, 4),  # a high-end desktop: Lighthouse's default
    (1499, 2), (1117, 2), (800, 2),  # a low-end desktop (this project's 2-core machines) or a high-end phone
    (799, 1), (300, 1),  # a mid-tier phone already
])
def test_the_cpu_slowdown_is_the_one_lighthouse_s_throttling_guide_gives_for_the_host(benchmark_index, multiplier):
    assert cpu_multiplier(benchmark_index) == multiplier

"""The hypothesis settings of the property tests (tests/test_prop_*.py): deterministic by default
(derandomize: the same inputs every run, so a CI result never depends on luck; no example database),
no deadline and no too-slow health check (a loaded CI machine is not a failure). GEOLOCATOR_FUZZ=nightly
(as tests/test_fuzz_parsers.py) runs 25 times the examples with new inputs every run."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

NIGHTLY = os.environ.get("GEOLOCATOR_FUZZ") == "nightly"


def prop(max_examples: int, *, fixtures: bool = False) -> settings:
    """Settings for one property: `max_examples` inputs (25x nightly). `fixtures`: the test uses a
    function-scoped pytest fixture that is the same for every example (a temporary folder)."""
    checks = [HealthCheck.too_slow] + ([HealthCheck.function_scoped_fixture] if fixtures else [])
    return settings(max_examples=max_examples * (25 if NIGHTLY else 1), deadline=None, database=None,
                    derandomize=not NIGHTLY, suppress_health_check=checks)

"""Shared test settings: deterministic, modest hypothesis runs on a shared 2-core machine."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "placement", max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("placement")

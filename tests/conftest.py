import pytest

from core.municipality import reset_cache


@pytest.fixture(autouse=True)
def _fresh_municipality():
    """Every test starts from (and leaves) the configuration in settings."""
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def configure(settings):
    """Change the per-deployment configuration for one test: configure(CHECKLIST=["R9"], …)."""

    def apply(**overrides):
        settings.MUNICIPALITY = {**settings.MUNICIPALITY, **overrides}
        reset_cache()

    return apply

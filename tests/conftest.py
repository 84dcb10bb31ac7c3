import pytest

from core.municipality import reset_cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """The public generation is rolled back with each test's transaction; the in-memory
    cache is not. Without this, a test could be served another test's cached page."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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

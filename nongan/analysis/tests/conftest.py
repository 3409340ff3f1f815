"""Fixtures of the dashboard tests: the small world of `factories.scene`."""

import pytest

from .factories import scene


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Commitment maps and scans of one test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def made(world):
    return scene(world)

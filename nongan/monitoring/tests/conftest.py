"""Fixtures of the monitoring tests: uploaded files in a temporary folder, and the shipped
GB 2763 demo editions for the page tests that need real judgements."""

import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads (photos, reports, summaries) of one test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def standards(db):
    """The demo editions (2021 and 2026) as `nongan init` loads them."""
    from nongan.monitoring.standards import load_demo_standards

    return load_demo_standards()

import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded exports go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path

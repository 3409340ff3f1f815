import pytest

from nongan.inspections.defaults import load_defaults
from nongan.inspections.models import ChecklistTemplate


@pytest.fixture
def templates(db):
    """The shipped checklists, by kind (daily, green_annual, organic_annual)."""
    load_defaults()
    return {t.kind: t for t in ChecklistTemplate.objects.filter(active=True)}

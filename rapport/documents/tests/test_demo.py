import pytest

from rapport.documents.demo import DEFAULT_TEMPLATES, install_default_templates
from rapport.documents.models import DocumentTemplate

pytestmark = pytest.mark.django_db


def test_default_templates_install_once_in_en_and_ru(staff, media):
    installed = install_default_templates(actor=staff.admin)
    assert len(installed) == len(DEFAULT_TEMPLATES) == 4
    assert sorted(DocumentTemplate.objects.values_list("kind", "language")) == [
        ("contract", "en"),
        ("contract", "ru"),
        ("offer", "en"),
        ("offer", "ru"),
    ]
    assert install_default_templates(actor=staff.admin) == []
    assert DocumentTemplate.objects.count() == 4

import pytest
from django.core.exceptions import ValidationError

from rapport.core.models import PropertyDefinition
from rapport.exchange.imports.mapping import check_required, clean_mapping, guess_mapping

pytestmark = pytest.mark.django_db


def test_english_headers_and_aliases():
    headers = ["Name", "TAX ID", "phone", "E-mail", "Relationship status", "Owner", "Whatever"]
    assert guess_mapping(headers, "clients") == {
        "Name": "name",
        "TAX ID": "tax_id",
        "phone": "phones",
        "E-mail": "emails",
        "Relationship status": "status",
        "Owner": "manager",
        "Whatever": "",
    }


def test_russian_headers():
    headers = ["Наименование", "ИНН", "Телефон", "Эл. почта", "Ответственный", "Категории"]
    assert list(guess_mapping(headers, "clients").values()) == [
        "name",
        "tax_id",
        "phones",
        "emails",
        "manager",
        "tags",
    ]


def test_polish_headers():
    headers = ["Nazwa", "NIP", "Telefon", "Uwagi", "Źródło", "Kategorie"]
    assert list(guess_mapping(headers, "clients").values()) == [
        "name",
        "tax_id",
        "phones",
        "notes",
        "source",
        "tags",
    ]


def test_contact_headers_in_three_languages():
    assert list(guess_mapping(["Фамилия", "Имя", "Должность"], "contacts").values()) == [
        "last_name",
        "first_name",
        "position",
    ]
    assert list(guess_mapping(["Nazwisko", "Imię", "Stanowisko"], "contacts").values()) == [
        "last_name",
        "first_name",
        "position",
    ]


def test_a_field_is_filled_from_the_first_column_only():
    assert guess_mapping(["Phone", "Mobile"], "clients") == {"Phone": "phones", "Mobile": ""}


def test_property_columns_by_label_and_code():
    PropertyDefinition.objects.create(target="client", code="region", label="Sales region")
    mapping = guess_mapping(["Name", "Sales region"], "clients")
    assert mapping["Sales region"] == "prop.region"


def test_clean_mapping_rejects_unknown_fields_and_columns_twice():
    with pytest.raises(ValidationError) as exc:
        clean_mapping(
            {"A": "nope", "B": "name", "C": "name", "Z": "notes"},
            headers=["A", "B", "C"],
            target="clients",
        )
    text = " ".join(exc.value.message_dict["mapping"])
    assert "unknown field" in text and "both fill" in text and "No column “Z”" in text


def test_required_name():
    with pytest.raises(ValidationError):
        check_required({"A": "notes"}, "clients")
    check_required({"A": "first_name"}, "contacts")

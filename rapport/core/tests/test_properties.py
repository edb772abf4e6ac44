"""clean_property_values and format_property_value for every property type."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.core.properties import clean_property_values, format_property_value
from rapport.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def define(code, type_, **kwargs):
    return PropertyDefinition.objects.create(
        target=kwargs.pop("target", PropertyTarget.CLIENT),
        code=code,
        label=code.title(),
        type=type_,
        **kwargs,
    )


def clean(values, existing=None, target=PropertyTarget.CLIENT):
    return clean_property_values(target=target, values=values, existing=existing)


def errors_of(values, **kwargs):
    with pytest.raises(ValidationError) as info:
        clean(values, **kwargs)
    return info.value.message_dict


# --- text -----------------------------------------------------------------------------


def test_text_is_stripped():
    define("note", PropertyType.TEXT)
    assert clean({"note": "  hello  "}) == {"note": "hello"}


def test_text_too_long_is_refused():
    define("note", PropertyType.TEXT)
    assert "properties.note" in errors_of({"note": "x" * 2001})
    assert clean({"note": "x" * 2000}) == {"note": "x" * 2000}


# --- number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (7, 7),
        ("3,5", 3.5),
        ("1 000", 1000),
        ("-2.25", -2.25),
        ("10.0", 10),
    ],
)
def test_number_accepts(raw, expected):
    define("size", PropertyType.NUMBER)
    result = clean({"size": raw})["size"]
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", True, "NaN", "Infinity"])
def test_number_refuses(raw):
    define("size", PropertyType.NUMBER)
    assert errors_of({"size": raw}) == {"properties.size": ["Enter a number."]}


# --- date -----------------------------------------------------------------------------


def test_date_accepts_iso_text_and_date_objects():
    define("since", PropertyType.DATE)
    assert clean({"since": "2024-02-29"}) == {"since": "2024-02-29"}
    assert clean({"since": dt.date(2023, 1, 5)}) == {"since": "2023-01-05"}


@pytest.mark.parametrize("raw", ["2023-02-30", "05.01.2023", "yesterday"])
def test_date_refuses(raw):
    define("since", PropertyType.DATE)
    assert errors_of({"since": raw}) == {"properties.since": ["Enter a date as YYYY-MM-DD."]}


# --- yes/no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("NO", False),
        ("1", True),
        ("off", False),
    ],
)
def test_boolean_accepts(raw, expected):
    define("vip", PropertyType.BOOLEAN)
    assert clean({"vip": raw}) == {"vip": expected}


def test_boolean_refuses_other_text():
    define("vip", PropertyType.BOOLEAN)
    assert errors_of({"vip": "maybe"}) == {"properties.vip": ["Enter yes or no."]}


# --- choice and multiple choice -------------------------------------------------------


def test_choice_accepts_only_listed_values():
    define("segment", PropertyType.CHOICE, choices=["A", "B"])
    assert clean({"segment": "B"}) == {"segment": "B"}
    assert "properties.segment" in errors_of({"segment": "C"})
    assert "properties.segment" in errors_of({"segment": "a"})  # case matters


def test_multichoice_orders_and_deduplicates_by_definition():
    define("channels", PropertyType.MULTI_CHOICE, choices=["mail", "phone", "visit"])
    assert clean({"channels": ["visit", "mail", "visit"]}) == {"channels": ["mail", "visit"]}
    assert clean({"channels": "phone, mail"}) == {"channels": ["mail", "phone"]}


def test_multichoice_names_the_bad_values():
    define("channels", PropertyType.MULTI_CHOICE, choices=["mail", "phone"])
    message = errors_of({"channels": ["mail", "fax", "telex"]})["properties.channels"][0]
    assert "fax" in message and "telex" in message


# --- link to user ---------------------------------------------------------------------


def test_user_link_accepts_active_users_only():
    define("partner", PropertyType.USER)
    active = UserFactory()
    gone = UserFactory(is_active=False)
    assert clean({"partner": str(active.pk)}) == {"partner": str(active.pk)}
    assert clean({"partner": active.pk}) == {"partner": str(active.pk)}
    assert errors_of({"partner": str(gone.pk)}) == {"properties.partner": ["No such user."]}
    assert errors_of({"partner": "not-a-uuid"}) == {"properties.partner": ["No such user."]}


# --- general rules --------------------------------------------------------------------


def test_unknown_code_is_refused():
    assert errors_of({"nope": "1"}) == {"properties.nope": ["Unknown property “nope”."]}


def test_inactive_definition_counts_as_unknown():
    define("old", PropertyType.TEXT, is_active=False)
    assert "properties.old" in errors_of({"old": "x"})


def test_definitions_of_the_other_target_do_not_apply():
    define("birthday_note", PropertyType.TEXT, target=PropertyTarget.CONTACT)
    assert "properties.birthday_note" in errors_of({"birthday_note": "x"})
    assert clean({"birthday_note": "x"}, target=PropertyTarget.CONTACT) == {"birthday_note": "x"}


def test_required_property_must_be_present():
    define("segment", PropertyType.CHOICE, choices=["A"], is_required=True)
    define("note", PropertyType.TEXT)
    assert errors_of({"note": "x"}) == {"properties.segment": ["This property is required."]}
    # present in the existing values: fine
    assert clean({"note": "x"}, existing={"segment": "A"}) == {"segment": "A", "note": "x"}
    # removing it is refused
    assert "properties.segment" in errors_of({"segment": ""}, existing={"segment": "A"})


def test_values_merge_into_existing_and_empty_removes():
    define("note", PropertyType.TEXT)
    define("size", PropertyType.NUMBER)
    assert clean({"size": "5"}, existing={"note": "keep"}) == {"note": "keep", "size": 5}
    assert clean({"note": None}, existing={"note": "x", "size": 1}) == {"size": 1}
    assert clean({"note": []}, existing={"note": "x"}) == {}


def test_none_values_keep_existing_and_non_object_is_refused():
    assert clean(None, existing={"a": 1}) == {"a": 1}
    assert errors_of(["a"]) == {"properties": ["Properties must be an object."]}


def test_all_errors_are_reported_together():
    define("size", PropertyType.NUMBER)
    define("since", PropertyType.DATE)
    assert set(errors_of({"size": "x", "since": "y", "zzz": 1})) == {
        "properties.size",
        "properties.since",
        "properties.zzz",
    }


# --- formatting -----------------------------------------------------------------------


def test_format_property_value():
    user = UserFactory(first_name="Anna", last_name="Nowak")
    assert format_property_value(define("vip", PropertyType.BOOLEAN), True) == "Yes"
    assert format_property_value(define("off", PropertyType.BOOLEAN), False) == "No"
    multi = define("ch", PropertyType.MULTI_CHOICE, choices=["a", "b"])
    assert format_property_value(multi, ["a", "b"]) == "a, b"
    assert format_property_value(define("who", PropertyType.USER), str(user.pk)) == "Anna Nowak"
    assert format_property_value(define("n", PropertyType.NUMBER), 2.5) == "2.5"
    assert format_property_value(define("t", PropertyType.TEXT), "") == ""

from datetime import date
from decimal import Decimal

import pytest

from rapport.documents.words import (
    InWords,
    UnsupportedCurrency,
    amount_in_words,
    document_language,
    format_date,
    format_money,
    format_number,
    format_quantity,
)


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("1234.56", "RUB", "ru", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("1.01", "RUB", "ru", "Один рубль 01 копейка"),
        ("22.00", "RUB", "ru", "Двадцать два рубля 00 копеек"),
        ("2000000", "RUB", "ru", "Два миллиона рублей 00 копеек"),
        ("1234.56", "EUR", "ru", "Одна тысяча двести тридцать четыре евро 56 центов"),
        ("5.05", "PLN", "ru", "Пять злотых 05 грошей"),
        ("1234.56", "USD", "en", "One thousand, two hundred and thirty-four dollars 56 cents"),
        ("1.01", "EUR", "en", "One euro 01 cent"),
        ("21.50", "PLN", "en", "Twenty-one zlotys 50 groszy"),
        ("1234.56", "PLN", "pl", "Tysiąc dwieście trzydzieści cztery złote 56 groszy"),
        ("5.22", "PLN", "pl", "Pięć złotych 22 grosze"),
        ("2.00", "EUR", "pl", "Dwa euro 00 centów"),
        ("3.01", "RUB", "pl", "Trzy ruble 01 kopiejka"),
        ("0.999", "USD", "en", "One dollar 00 cents"),  # rounded half up to cents first
    ],
)
def test_amount_in_words(amount, currency, language, expected):
    assert amount_in_words(Decimal(amount), currency, language) == expected


def test_unknown_currency_is_an_error():
    with pytest.raises(UnsupportedCurrency):
        amount_in_words(Decimal("1"), "XXX", "ru")


def test_in_words_follows_the_document_language():
    words = InWords(Decimal("2.00"), "PLN")
    token = document_language.set("pl")
    try:
        assert str(words) == "Dwa złote 00 groszy"
    finally:
        document_language.reset(token)
    assert str(words) == "Two zlotys 00 groszy"


def test_number_money_quantity_and_date_formats():
    assert format_number(Decimal("-1234567.5"), "ru") == "-1\u00a0234\u00a0567,50"
    assert format_number(Decimal("1234567.5"), "en") == "1,234,567.50"
    assert format_money(Decimal("1234.5"), "PLN", "pl") == "1\u00a0234,50 PLN"
    assert format_quantity(Decimal("2.000"), "ru") == "2"
    assert format_quantity(Decimal("1.500"), "pl") == "1,5"
    day = date(2025, 3, 5)
    assert format_date(day, "ru") == "05.03.2025"
    assert format_date(day, "ru", "long") == "«5» марта 2025 г."
    assert format_date(day, "pl", "long") == "5 marca 2025 r."
    assert format_date(day, "en") == "5 March 2025"
    assert format_date(None, "en") == ""

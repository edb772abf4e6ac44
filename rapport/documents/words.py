"""Amounts in words and the date and money formats of documents, per document language.

``amount_in_words(Decimal("1234.56"), "RUB", "ru")`` answers, as 1C prints it,
"Одна тысяча двести тридцать четыре рубля 56 копеек": the whole units in words, the minor
units in digits, the first letter capital.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from num2words.lang_EN import Num2Word_EN
from num2words.lang_PL import Num2Word_PL
from num2words.lang_RU import Num2Word_RU

LANGUAGES = ("en", "ru", "pl")


class _RU(Num2Word_RU):
    # num2words spells the zloty "слотый"; Russian documents say "злотый".
    CURRENCY_FORMS = {
        **Num2Word_RU.CURRENCY_FORMS,
        "PLN": (("злотый", "злотых", "злотых"), ("грош", "гроша", "грошей")),
    }


class _PL(Num2Word_PL):
    CURRENCY_FORMS = {
        **Num2Word_PL.CURRENCY_FORMS,
        "RUB": (("rubel", "ruble", "rubli"), ("kopiejka", "kopiejki", "kopiejek")),
    }


class _EN(Num2Word_EN):
    pass


_CONVERTERS = {"en": _EN(), "ru": _RU(), "pl": _PL()}


class UnsupportedCurrency(ValueError):
    """No words for this currency in this language."""


def _to_decimal(amount: Any) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    try:
        return Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not an amount: {amount!r}") from exc


def amount_in_words(amount: Decimal | str | int, currency: str, language: str = "en") -> str:
    """The amount in words in ``language`` (en, ru, pl), minor units in digits."""
    converter = _CONVERTERS.get((language or "en")[:2].lower(), _CONVERTERS["en"])
    value = _to_decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    code = (currency or "").upper()
    if code not in converter.CURRENCY_FORMS:
        raise UnsupportedCurrency(f"No words for {code} in {language}")
    text = converter.to_currency(value, currency=code, cents=False, separator="")
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


# The language of the document being rendered (set by rendering.render_docx).
document_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "document_language", default="en"
)


class InWords:
    """An amount that spells itself in the language of the document it is rendered in:
    what a context puts under e.g. ``totals.total_in_words``."""

    def __init__(self, amount: Decimal | str | int, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    def __str__(self) -> str:
        try:
            return amount_in_words(self.amount, self.currency, document_language.get())
        except (UnsupportedCurrency, ValueError):
            return ""

    def __repr__(self) -> str:
        return f"InWords({self.amount!r}, {self.currency!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


# --- numbers and dates --------------------------------------------------------------------

_SEPARATORS = {"en": (",", "."), "ru": ("\u00a0", ","), "pl": ("\u00a0", ",")}

_MONTHS_GENITIVE = {
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "pl": [
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def format_number(value: Any, language: str = "en", places: int = 2) -> str:
    """``1234.5`` -> "1,234.50" (en), "1 234,50" (ru, pl; a no-break space)."""
    if value is None or value == "":
        return ""
    number = _to_decimal(value)
    if places >= 0:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    thousands, decimal_point = _SEPARATORS.get(language[:2], _SEPARATORS["en"])
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups)
    return f"{sign}{text}{decimal_point}{fraction}" if fraction else f"{sign}{text}"


def format_quantity(value: Any, language: str = "en") -> str:
    """A quantity without trailing zeros: 2.000 -> "2", 1.500 -> "1.5" / "1,5"."""
    if value is None or value == "":
        return ""
    number = _to_decimal(value).normalize()
    places = max(0, -number.as_tuple().exponent)  # type: ignore[operator]
    return format_number(number, language, places)


def format_money(value: Any, currency: str = "", language: str = "en") -> str:
    text = format_number(value, language, 2)
    return f"{text} {currency}".strip() if text else ""


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def format_date(value: Any, language: str = "en", style: str = "short") -> str:
    """``style`` "short": 05.03.2025 (ru, pl), 5 March 2025 (en); "long": «5» марта 2025 г.
    (ru), 5 marca 2025 r. (pl), 5 March 2025 (en)."""
    day = _as_date(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    lang = language[:2] if language else "en"
    month = _MONTHS_GENITIVE.get(lang, _MONTHS_GENITIVE["en"])[day.month - 1]
    if style == "long":
        if lang == "ru":
            return f"«{day.day}» {month} {day.year} г."
        if lang == "pl":
            return f"{day.day} {month} {day.year} r."
        return f"{day.day} {month} {day.year}"
    if lang in ("ru", "pl"):
        return day.strftime("%d.%m.%Y")
    return f"{day.day} {month} {day.year}"

"""Normalisation of contact data: the keys that search and duplicate checks use.

Every function is idempotent: ``f(f(x)) == f(x)``.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.pl import nip as pl_nip
from stdnum.ru import inn as ru_inn

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")


def normalize_name(value: str) -> str:
    """Lower-case, NFKC, single spaces: what search as you type compares against."""
    value = unicodedata.normalize("NFKC", value or "")
    return _SPACES.sub(" ", value).strip().casefold()


# Legal forms as token sequences after ``name_key``'s folding ("Sp. z o.o." -> sp z o o).
LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        # Russian and CIS (after transliteration): ООО, ЗАО, ОАО, ПАО, АО, ИП, НКО, ТОО, ЧП
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "ip",
        "nko",
        "too",
        "chp",
        "tov",
        # Polish
        "sp z o o",
        "sp zoo",
        "spolka z o o",
        "s a",
        "sa",
        "sp k",
        "sp j",
        "s c",
        "sp p",
        # English, German and others
        "llc",
        "ltd",
        "limited",
        "inc",
        "corp",
        "co",
        "plc",
        "llp",
        "gmbh",
        "ag",
        "kg",
        "ug",
        "bv",
        "nv",
        "srl",
        "sarl",
        "sas",
        "oy",
        "ab",
        "as",
    )
)
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_FORM_WORDS = frozenset(word for form in LEGAL_FORMS for word in form)


def name_key(value: str) -> str:
    """A client's name folded for duplicate checks: Latin letters, no legal form, no quotes.

    "ООО «Ромашка»", "Romashka LLC" and "ROMASHKA Sp. z o.o." all answer "romashka".
    A name that is nothing but a legal form keeps it (so that it is not empty).
    """
    # anyascii spells the soft and hard signs as apostrophes: drop them, do not split on them.
    text = anyascii(unicodedata.normalize("NFKC", value or "")).casefold().replace("'", "")
    tokens = _NOT_WORD.sub(" ", text).split()
    stripped = True
    # Cheap word checks first: most names neither start nor end with a legal form (the
    # import folds a million names, so this is on its hot path).
    while stripped and len(tokens) > 1 and (tokens[0] in _FORM_WORDS or tokens[-1] in _FORM_WORDS):
        stripped = False
        for form in LEGAL_FORMS:
            n = len(form)
            if len(tokens) <= n:
                continue
            if form[0] == tokens[0] and tuple(tokens[:n]) == form:
                tokens, stripped = tokens[n:], True
            elif form[-1] == tokens[-1] and tuple(tokens[-n:]) == form:
                tokens, stripped = tokens[:-n], True
    return " ".join(tokens)[:300]


_INTERNATIONAL = re.compile(r"\+[0-9 ().\-]{6,40}")
_SEPARATORS = re.compile(r"[ ().\-]")


def _international_e164(value: str) -> str | None:
    """The E.164 form of a number written "+<country code> <digits>" with only spaces,
    dashes, dots or brackets between the digits, when it is a possible number; None when
    it is anything else, for ``phonenumbers.parse`` to decide. An import normalises a
    million numbers, and parsing each one in full is most of its time.

    Numbers whose national part starts with a trunk prefix (0, or the country's own, like
    Russia's 8) are left to ``parse``, which strips it; ``_international_e164`` answers
    exactly what ``normalize_phone`` would (a test compares them)."""
    if not _INTERNATIONAL.fullmatch(value):
        return None
    digits = _SEPARATORS.sub("", value[1:])
    if len(digits) < 4 or digits[0] == "0":  # no country code starts with 0
        return None
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[length:]
    if not national or national[0] == "0":
        return None
    region = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    if prefix and re.match(prefix, national):
        return None
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if not phonenumbers.is_possible_number(number):
        return None
    return f"+{digits}"


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 form of a phone number typed in any format; raises ValidationError."""
    fast = _international_e164((value or "").strip())
    if fast is not None:
        return fast
    return parsed_e164(value, region)


def parsed_e164(value: str, region: str | None = None) -> str:
    """``normalize_phone`` by ``phonenumbers.parse`` alone (no shortcut)."""
    try:
        parsed = phonenumbers.parse((value or "").strip(), region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value}) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(value: str) -> str | None:
    """The E.164 key for a search string that looks like a phone number, else None."""
    digits = _NON_DIGITS.sub("", value or "")
    if len(digits) < 6 or re.search(r"[^\d\s()+\-./]", value or ""):
        return None
    try:
        return normalize_phone(value)
    except ValidationError:
        return None


# Django's own e-mail patterns, compiled once: its validator reaches them through lazy
# proxies on every call, which an import of a million addresses feels.
_EMAIL_USER = re.compile(EmailValidator.user_regex.pattern, re.IGNORECASE)
_EMAIL_DOMAIN = re.compile(EmailValidator.domain_regex.pattern, re.IGNORECASE)


def _plainly_valid_email(email: str) -> bool:
    """What ``validate_email`` accepts without its special cases (domain literals, the
    allow-listed "localhost"); False sends the address through the validator itself."""
    if len(email) > 320 or "@" not in email:
        return False
    user, _at, domain = email.rpartition("@")
    return bool(_EMAIL_USER.match(user) and _EMAIL_DOMAIN.match(domain))


def normalize_email(value: str) -> str:
    """Validated, lower-cased e-mail address; raises ValidationError."""
    email = (value or "").strip()
    try:
        if not _plainly_valid_email(email):
            validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid e-mail address.") % {"value": value}
        ) from exc
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain}".lower()


def normalize_tax_id(value: str) -> str:
    """Compact tax id (INN, NIP, EU VAT): no spaces, dashes or dots, upper case."""
    return re.sub(r"[\s\-./]", "", value or "").upper()


def validate_tax_id(value: str) -> str:
    """Normalise and check a tax id by its checksum where the format is recognised.

    Russian INN (10 or 12 digits), Polish NIP (10 digits) and EU VAT numbers with a
    country prefix are checked; other values are accepted as typed (foreign ids).
    """
    compact = normalize_tax_id(value)
    if not compact:
        return ""
    if compact.isdigit() and len(compact) in (10, 12):
        if ru_inn.is_valid(compact) or pl_nip.is_valid(compact):
            return compact
        raise ValidationError(
            _("“%(value)s” is not a valid tax id (checksum does not match).") % {"value": value}
        )
    if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", compact) and compact[:2] in _EU_PREFIXES:
        if eu_vat.is_valid(compact):
            return compact
        raise ValidationError(_("“%(value)s” is not a valid VAT number.") % {"value": value})
    if len(compact) > 32:
        raise ValidationError(_("A tax id has at most 32 characters."))
    return compact


_EU_PREFIXES = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "EL",
    "ES",
    "FI",
    "FR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
    "XI",
}


def normalize_website(value: str) -> str:
    url = (value or "").strip()
    if url and "://" not in url:
        url = f"https://{url}"
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url, flags=re.IGNORECASE):
        raise ValidationError(_("“%(value)s” is not a web address.") % {"value": value})
    return url.lower().rstrip("/")

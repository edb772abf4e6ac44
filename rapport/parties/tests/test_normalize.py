"""Property-based and example tests of the search keys: phones, e-mails, tax ids, names."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from stdnum.eu import vat as eu_vat
from stdnum.iso7064 import mod_11_10
from stdnum.pl import nip as pl_nip
from stdnum.ru import inn as ru_inn

from rapport.parties import normalize

# --- strategies -----------------------------------------------------------------------

REGIONS = ["RU", "PL", "GB", "US", "DE", "FR", "UA"]
KINDS = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@st.composite
def phone_numbers(draw):
    """A valid number of one of our regions: the region's example number with its last
    digits replaced (the number stays valid for the region's pattern)."""
    region = draw(st.sampled_from(REGIONS))
    example_number = phonenumbers.example_number_for_type(region, draw(st.sampled_from(KINDS)))
    national = str(example_number.national_number)
    tail = draw(st.text("0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(f"+{example_number.country_code}{national[:-4]}{tail}")
    assume(phonenumbers.is_valid_number(number))
    return region, number


def _idd(region):
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.preferred_international_prefix or metadata.international_prefix).replace(
        "~", ""
    )


def formats(region, number):
    """The same number as people type it."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    rfc = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)
    digits = "".join(ch for ch in intl if ch.isdigit())
    return {
        "e164": (e164, None),
        "international": (intl, None),
        "dashes": (intl.replace(" ", "-"), None),
        "dots": ("+" + ".".join([digits[:3], digits[3:6], digits[6:]]), None),
        "padded": (f"  {intl}  ", None),
        # Dialled from the region itself: its own international prefix (00, 810, 011).
        "idd": (_idd(region) + " " + digits, region),
        "rfc3966": (rfc.removeprefix("tel:"), None),
        "national": (national, region),
    }


def digits_text(n: int):
    return st.text("0123456789", min_size=n, max_size=n)


@st.composite
def inn10(draw):
    body = draw(digits_text(9))
    return body + ru_inn.calc_company_check_digit(body)


@st.composite
def inn12(draw):
    body = draw(digits_text(10))
    return body + ru_inn.calc_personal_check_digits(body)


@st.composite
def nip(draw):
    body = draw(digits_text(9))
    total = sum(int(d) * w for d, w in zip(body, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
    assume(total != 10)
    return body + str(total)


@st.composite
def de_vat(draw):
    body = draw(st.integers(1, 9).map(str)) + draw(digits_text(7))
    return "DE" + body + mod_11_10.calc_check_digit(body)


def change_last_digit(number: str, delta: int) -> str:
    return number[:-1] + str((int(number[-1]) + delta) % 10)


# --- names ----------------------------------------------------------------------------


@given(st.text())
@example("ΐ")  # casefolds to a decomposed sequence that NFKC would recompose
@example("\u00a0Ｒｏｍａｓｈｋａ\tLtd ")
def test_normalize_name_is_idempotent(text):
    once = normalize.normalize_name(text)
    assert normalize.normalize_name(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_normalize_name_ignores_case_and_spacing(text):
    assert normalize.normalize_name(text.upper()) == normalize.normalize_name(
        normalize.normalize_name(text).upper()
    )
    assert normalize.normalize_name(f"  {text}\t\n") == normalize.normalize_name(text)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("ООО  «Ромашка»", "ооо «ромашка»"),
        ("  Kowalski   i Synowie\tSp. z o.o. ", "kowalski i synowie sp. z o.o."),
        ("ＡＣＭＥ", "acme"),  # full-width letters
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalize_name_examples(raw, key):
    assert normalize.normalize_name(raw) == key


# --- phones ---------------------------------------------------------------------------


@given(phone_numbers())
@settings(max_examples=150)
def test_every_format_of_a_number_gives_the_same_e164(region_and_number):
    region, number = region_and_number
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for name, (text, text_region) in formats(region, number).items():
        assert normalize.normalize_phone(text, text_region) == expected, name


@given(phone_numbers())
def test_normalize_phone_is_idempotent(region_and_number):
    _region, number = region_and_number
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    once = normalize.normalize_phone(intl)
    assert normalize.normalize_phone(once) == once
    assert normalize.phone_search_key(once) == once
    assert normalize.phone_search_key(intl) == once


@given(st.text(max_size=30))
def test_normalize_phone_answers_e164_or_a_validation_error(text):
    try:
        key = normalize.normalize_phone(text)
    except ValidationError as exc:
        assert "not a phone number" in exc.messages[0]
    else:
        assert key.startswith("+") and key[1:].isdigit()
        assert normalize.normalize_phone(key) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+7 (495) 123-45-67", "+74951234567"),
        ("8 495 123 45 67", "+74951234567"),  # Russian trunk prefix, default region RU
        ("+7 495 1234567", "+74951234567"),
        ("+48 601 234 567", "+48601234567"),
        ("810 48 601-234-567", "+48601234567"),  # "00" is not the international prefix in RU
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalize_phone_examples(raw, key):
    assert normalize.normalize_phone(raw) == key


@pytest.mark.parametrize("raw", ["", "abc", "+7 12", "12"])
def test_normalize_phone_rejects_what_is_not_a_number(raw):
    with pytest.raises(ValidationError):
        normalize.normalize_phone(raw)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+48 601 234 567", "+48601234567"),
        ("Ромашка", None),
        ("info@x.ru", None),
        ("123", None),  # too short to be a phone search
        ("Kowalski 601234567", None),  # letters: a name search, not a phone
    ],
)
def test_phone_search_key(text, key):
    assert normalize.phone_search_key(text) == key


# --- e-mail ---------------------------------------------------------------------------


def _email_or_none(text):
    try:
        return normalize.normalize_email(text)
    except ValidationError:
        return None


@given(st.emails())
def test_normalize_email_is_idempotent_and_case_insensitive(email):
    key = _email_or_none(email)
    assume(key is not None)
    assert normalize.normalize_email(key) == key
    assert key == key.lower()
    assert normalize.normalize_email(email.upper()) == key
    assert normalize.normalize_email(f"  {email.swapcase()} ") == key


@given(st.text(max_size=40))
def test_normalize_email_answers_a_lower_case_address_or_an_error(text):
    key = _email_or_none(text)
    if key is not None:
        assert "@" in key and key == key.lower()
        assert normalize.normalize_email(key) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Ivan.Petrov@Example.COM", "ivan.petrov@example.com"),
        ("  sales@romashka.ru ", "sales@romashka.ru"),
    ],
)
def test_normalize_email_examples(raw, key):
    assert normalize.normalize_email(raw) == key


@pytest.mark.parametrize(
    "raw", ["", "ivan", "ivan@", "@example.com", "a b@example.com", "ivan@@example.com"]
)
def test_normalize_email_rejects_bad_addresses(raw):
    with pytest.raises(ValidationError, match="not a valid e-mail address"):
        normalize.normalize_email(raw)


# --- tax ids --------------------------------------------------------------------------


@given(st.one_of(inn10(), inn12(), nip()))
def test_valid_inn_and_nip_are_accepted_in_any_spelling(number):
    assert normalize.validate_tax_id(number) == number
    spaced = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
    assert normalize.validate_tax_id(spaced) == number
    assert normalize.validate_tax_id(number[:3] + "-" + number[3:]) == number
    assert normalize.validate_tax_id(normalize.validate_tax_id(number)) == number


@given(inn10(), st.integers(1, 9))
def test_inn10_with_a_changed_check_digit_is_rejected(number, delta):
    changed = change_last_digit(number, delta)
    # Ten digits are also the length of a Polish NIP: a changed INN that happens to be a
    # valid NIP is rightly accepted.
    assume(not pl_nip.is_valid(changed))
    with pytest.raises(ValidationError, match="checksum"):
        normalize.validate_tax_id(changed)


@given(inn12(), st.integers(1, 9), st.sampled_from([-1, -2]))
def test_inn12_with_a_changed_check_digit_is_rejected(number, delta, position):
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    with pytest.raises(ValidationError, match="checksum"):
        normalize.validate_tax_id("".join(digits))


@given(nip(), st.integers(1, 9))
def test_nip_with_a_changed_check_digit_is_rejected(number, delta):
    changed = change_last_digit(number, delta)
    assume(not ru_inn.is_valid(changed))
    with pytest.raises(ValidationError, match="checksum"):
        normalize.validate_tax_id(changed)


@given(st.one_of(de_vat(), nip().map(lambda n: "PL" + n)))
def test_valid_eu_vat_numbers_are_accepted(number):
    assert eu_vat.is_valid(number)
    assert normalize.validate_tax_id(number) == number
    assert normalize.validate_tax_id(f"{number[:2].lower()} {number[2:]}") == number


@given(st.one_of(de_vat(), nip().map(lambda n: "PL" + n)), st.integers(1, 9))
def test_eu_vat_with_a_changed_check_digit_is_rejected(number, delta):
    with pytest.raises(ValidationError, match="VAT"):
        normalize.validate_tax_id(change_last_digit(number, delta))


@pytest.mark.parametrize(
    "number",
    [
        "DE136695976",
        "FR40303265045",
        "NL004495445B01",
        "IT00743110157",
        "ATU13585627",
        "BE0403019261",
    ],
)
def test_known_eu_vat_numbers_are_accepted(number):
    assert normalize.validate_tax_id(number) == number


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("7707083893", "7707083893"),  # INN of a company
        ("500100732259", "500100732259"),  # INN of a person
        ("526-025-09-95", "5260250995"),  # NIP as Poles write it
        ("PL 526-025-09-95", "PL5260250995"),
        ("", ""),
        ("12-3456789", "123456789"),  # a foreign id of unknown format is kept as typed
    ],
)
def test_validate_tax_id_examples(raw, key):
    assert normalize.validate_tax_id(raw) == key


@pytest.mark.parametrize("raw", ["7707083894", "500100732258", "5260250994", "DE136695977"])
def test_validate_tax_id_rejects_bad_checksums(raw):
    with pytest.raises(ValidationError):
        normalize.validate_tax_id(raw)


@given(st.text(max_size=40))
def test_normalize_tax_id_is_idempotent(text):
    once = normalize.normalize_tax_id(text)
    assert normalize.normalize_tax_id(once) == once
    assert not any(ch in once for ch in " -./")


# --- shortcuts give what the full path gives -------------------------------------------


def _every_example_number():
    """Example numbers of every region phonenumbers knows, of every type it has."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield number


def _spellings(number, rng):
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = e164[1:]
    cut = rng.randrange(1, len(digits))
    yield intl
    yield e164
    yield intl.replace(" ", "-")
    yield f"+{digits[:cut]} ({digits[cut : cut + 3]}) {digits[cut + 3 :]}"
    # one digit more or less: often impossible, sometimes another valid number
    yield e164 + str(rng.randrange(10))
    yield e164[:-1]
    # a trunk prefix written after the country code ("+7 8 916...")
    yield f"+{number.country_code} {rng.choice('0189')} {number.national_number}"


def test_the_international_shortcut_answers_what_parsing_answers():
    import random

    rng = random.Random(7)
    checked = 0
    for number in _every_example_number():
        for text in _spellings(number, rng):
            fast = normalize._international_e164(text)
            if fast is None:
                continue
            checked += 1
            assert fast == normalize.parsed_e164(text), text
    assert checked > 2000


@given(st.text("+0123456789 -().", min_size=7, max_size=25))
@settings(max_examples=500)
@example("+049100")  # "049" is not Germany's 49
@example("+ -() .-")  # no digits at all
def test_the_international_shortcut_never_disagrees_on_random_input(text):
    fast = normalize._international_e164(text)
    if fast is not None:
        assert fast == normalize.parsed_e164(text)


@given(st.one_of(st.emails(), st.text(max_size=40)))
@settings(max_examples=500)
def test_the_email_shortcut_accepts_only_what_the_validator_accepts(text):
    from django.core.validators import validate_email

    if normalize._plainly_valid_email(text):
        validate_email(text)  # raises if the shortcut let something wrong through

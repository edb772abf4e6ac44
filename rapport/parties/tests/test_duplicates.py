"""Duplicate search: folding and scoring rules, the scan job, "not a duplicate", the queue's
scope and the new-client warning on the same rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.core import jobs
from rapport.core.models import Job, JobStatus
from rapport.parties import duplicate_queue, duplicates, selectors, services
from rapport.parties.duplicates import name_similarity, phonetic_key, score_pair
from rapport.parties.models import DuplicatePair, DuplicateStatus
from rapport.parties.normalize import name_key


def sim(a: str, b: str) -> int:
    return name_similarity(phonetic_key(name_key(a)), phonetic_key(name_key(b)))


# --- folding and scoring (pure) --------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ООО «Ромашка»", "Romashka LLC"),  # legal forms ru/en, quotes, transliteration
        ("Romashka Sp. z o.o.", "ROMASHKA"),  # Polish legal form, case
        ('"Ромашка" ЗАО', "Romashka GmbH"),
        ("Химпром", "Himprom Ltd"),  # kh / h
        ("Цветы Плюс", "Cvety Plus S.A."),  # ts / c, y / i
        ("Щука", "Schuka"),  # shch / sch
        ("Юпитер", "Jupiter"),  # yu / ju
        ("Wektor", "Vektor"),  # w / v
        ("Plus Romashka", "Romashka Plus"),  # word order
    ],
)
def test_names_that_are_one_company(a, b):
    assert sim(a, b) == 100


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Romashka Trading", "Romashka Tradnig", 88, 99),  # a typo
        ("Promstroy Invest", "Promstroi Inwest", 100, 100),
        ("Alfa", "Omega", 0, 50),
        ("Romashka", "Vasilek", 0, 50),
    ],
)
def test_name_similarity_ranges(a, b, low, high):
    assert low <= sim(a, b) <= high


@given(st.text(max_size=40))
def test_phonetic_key_is_idempotent(text):
    key = phonetic_key(name_key(text))
    assert phonetic_key(key) == key


def test_scores_order_the_evidence():
    assert score_pair(["tax_id"], 100) >= 0.95
    assert score_pair(["email"], 95) > score_pair(["phone"], 95) > score_pair([], 95)
    assert score_pair([], 100) > score_pair([], 100, person=True) >= duplicates.MIN_SCORE
    assert score_pair([], 85) < duplicates.MIN_SCORE  # a weak name alone is no candidate
    assert score_pair(["domain"], 70) < duplicates.MIN_SCORE  # same domain, other name
    assert score_pair(["domain"], 90) >= duplicates.MIN_SCORE
    # Two companies with one name but different tax ids: namesakes, not duplicates.
    assert score_pair([], 100, tax_conflict=True) < duplicates.MIN_SCORE
    # A shared phone of two differently named companies counts less than with one name.
    assert score_pair(["phone"], 20) < score_pair(["phone"], 95)


def test_reasons_include_similar_name_and_need_a_name_for_the_domain():
    assert duplicates.reason_codes({"phone"}, 95) == ["phone", "name"]
    assert duplicates.reason_codes({"domain"}, 60) == []
    assert duplicates.reason_texts(["tax_id", "name"]) == ["same tax id", "similar name"]


# --- the scan ----------------------------------------------------------------------------


def create(actor, name, **kwargs):
    return services.client_create(actor=actor, name=name, **kwargs)


def run_scan(actor):
    job = duplicate_queue.duplicate_scan_start(actor=actor)
    assert jobs.run_job(str(job.pk)) == JobStatus.DONE
    job.refresh_from_db()
    return job


def pair_of(a, b):
    first, second = sorted([str(a.pk), str(b.pk)])
    return DuplicatePair.objects.filter(first_id=first, second_id=second).first()


@pytest.fixture
def base(staff):
    m1, m2 = staff.manager1, staff.manager2
    return {
        "romashka": create(m1, "ООО «Ромашка»", tax_id="7707083893"),
        "romashka_llc": create(m1, "Romashka LLC"),
        "himprom": create(m1, "Химпром", phones=[{"value": "+7 495 123-45-67"}]),
        "himprom2": create(m2, "Himprom Trading", phones=[{"value": "8 (495) 1234567"}]),
        "acme": create(m1, "Acme", emails=[{"value": "sales@acme-tools.com"}]),
        "acme2": create(m2, "ACME Tools", emails=[{"value": "office@acme-tools.com"}]),
        "gmail1": create(m1, "Vasilek", emails=[{"value": "a@gmail.com"}]),
        "gmail2": create(m1, "Oduvanchik", emails=[{"value": "b@gmail.com"}]),
        "taxdup": create(m2, "Совсем другое имя", tax_id="7707083893"),
        "other": create(m1, "Zenith Logistics"),
    }


def test_scan_finds_pairs_with_reasons_and_skips_public_domains(staff, base):
    job = run_scan(staff.admin)
    assert job.processed == job.total
    found = {
        frozenset(k for k, c in base.items() if str(c.pk) in (str(p.first_id), str(p.second_id)))
        for p in DuplicatePair.objects.all()
    }
    assert frozenset({"romashka", "romashka_llc"}) in found
    assert frozenset({"himprom", "himprom2"}) in found
    assert frozenset({"acme", "acme2"}) in found
    assert frozenset({"romashka", "taxdup"}) in found
    assert frozenset({"gmail1", "gmail2"}) not in found
    assert not any("other" in pair for pair in found)
    himprom = pair_of(base["himprom"], base["himprom2"])
    assert himprom.reasons == ["phone"]  # "Himprom Trading" is not the same name
    assert himprom.score == 0.85
    assert pair_of(base["romashka"], base["romashka_llc"]).reasons == ["name"]
    assert pair_of(base["acme"], base["acme2"]).reasons == ["domain"]
    assert job.result["client"] == DuplicatePair.objects.filter(target="client").count()


def test_scan_is_resumable_and_remembers_not_a_duplicate(staff, base):
    run_scan(staff.admin)
    count = DuplicatePair.objects.count()
    pair = pair_of(base["romashka"], base["romashka_llc"])
    duplicate_queue.duplicate_dismiss(actor=staff.manager1, pair=pair)
    # A crashed scan run again from its checkpoint, then a full new scan: nothing doubles.
    job = Job.objects.get(kind="duplicate_scan")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, state={**job.state, "next": 1}, processed=0
    )
    assert jobs.run_job(str(job.pk)) == JobStatus.DONE
    run_scan(staff.admin)
    assert DuplicatePair.objects.count() == count
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.DISMISSED
    assert pair not in duplicate_queue.duplicate_pairs(actor=staff.admin)


def test_scan_forgets_pairs_that_no_longer_match(staff, base):
    run_scan(staff.admin)
    services.client_update(actor=staff.manager1, client=base["romashka_llc"], name="Kaktus")
    run_scan(staff.admin)
    assert pair_of(base["romashka"], base["romashka_llc"]) is None


def test_scan_covers_contact_persons(staff):
    client = create(staff.manager1, "Alpha")
    for first, last in (("Иван", "Петров"), ("Ivan", "Petrov")):
        services.contact_create(
            actor=staff.manager1, first_name=first, last_name=last, roles=[{"client": client}]
        )
    run_scan(staff.admin)
    assert DuplicatePair.objects.filter(target="contact", reasons=["name"]).count() == 1


def test_only_administrators_and_directors_start_a_scan(staff):
    from django.core.exceptions import PermissionDenied

    for user in (staff.head, staff.manager1, staff.viewer):
        with pytest.raises(PermissionDenied):
            duplicate_queue.duplicate_scan_start(actor=user)
    job = duplicate_queue.duplicate_scan_start(actor=staff.director)
    assert duplicate_queue.duplicate_scan_start(actor=staff.admin) == job  # one at a time


def test_queue_shows_only_pairs_with_both_sides_visible(staff, base):
    run_scan(staff.admin)
    himprom = pair_of(base["himprom"], base["himprom2"])  # manager1's and manager2's
    romashka = pair_of(base["romashka"], base["romashka_llc"])  # both manager1's
    assert himprom in duplicate_queue.duplicate_pairs(actor=staff.admin)
    assert himprom in duplicate_queue.duplicate_pairs(actor=staff.head)
    mine = list(duplicate_queue.duplicate_pairs(actor=staff.manager1))
    assert romashka in mine and himprom not in mine
    assert list(duplicate_queue.duplicate_pairs(actor=staff.manager3)) == []
    with pytest.raises(Exception) as exc:
        duplicate_queue.duplicate_pair_get(actor=staff.manager1, pk=himprom.pk)
    assert exc.typename == "Http404"


def test_queue_masks_details_of_confidential_clients(staff):
    a = create(
        staff.manager1, "Secret One", is_confidential=True, phones=[{"value": "+48 601 000 001"}]
    )
    b = create(staff.manager2, "Secret One", phones=[{"value": "+48 601 000 001"}])
    run_scan(staff.admin)
    rows = duplicate_queue.pair_rows(
        list(duplicate_queue.duplicate_pairs(actor=staff.head)), actor=staff.head, target="client"
    )
    assert len(rows) == 1
    sides = {row.record.pk: row for row in (rows[0].first, rows[0].second)}
    assert sides[a.pk].phones == [] and not sides[a.pk].details_visible
    assert sides[b.pk].phones == ["+48 601 000 001"]


# --- the new-client warning ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Khimprom", "Himprom", "ООО «Химпром»", "Chimprom", "khimprom sp. z o.o."]
)
def test_new_client_warning_uses_transliteration_variants(staff, name):
    create(staff.manager1, "Химпром")
    found = selectors.likely_duplicates(actor=staff.manager1, name=name)
    if name == "Chimprom":  # ch is not kh: no match claimed
        assert found == []
    else:
        assert [c.client.name for c in found] == ["Химпром"]
        assert found[0].reasons == ["similar name"]

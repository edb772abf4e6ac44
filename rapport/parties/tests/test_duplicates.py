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
    other = create(staff.manager1, "Beta")
    for first, last, at in (("Пётр", "Сидоров", client), ("Petr", "Sidorov", other)):
        services.contact_create(
            actor=staff.manager1, first_name=first, last_name=last, roles=[{"client": at}]
        )
    run_scan(staff.admin)
    # A name alone counts within one client only: namesakes at two clients are no pair.
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


def test_different_initials_are_different_people():
    assert sim("ИП Петров А. Н.", "ИП Петров А. Н.") == 100
    assert sim("ИП Петров А. Н.", "ИП Петров С. И.") < duplicates.NAME_MIN
    assert sim("ИП Петров А. Н.", "ИП Петров Н. А.") == 100  # same initials, other order
    assert sim("Petrov Trading", "Petrov Tradnig") >= duplicates.NAME_MIN  # no initials


def test_judge_weighs_all_the_evidence_of_both_records():
    from rapport.parties.duplicates import Features, judge

    def rec(name, tax="", phones=(), emails=(), private=False):
        return Features(
            phonetic_key(name_key(name)),
            tax,
            private,
            private,
            frozenset(phones),
            frozenset(emails),
        )

    a = rec("Romashka", "7707083893", ["+74951234567"], ["info@romashka.ru"])
    reasons, score, name_score = judge(a, rec("ООО Ромашка", phones=["+74951234567"]))
    assert reasons == ["phone", "name"] and score == 0.95 and name_score == 100
    assert judge(a, rec("Vasilek", emails=["sales@romashka.ru"]))[0] == []  # domain, other name
    assert judge(a, rec("Romashka", emails=["sales@romashka.ru"]))[0] == ["domain", "name"]
    # Different tax ids: two legal entities, whatever else they share.
    assert judge(a, rec("Romashka", "7728168971", ["+74951234567"]))[1] < duplicates.MIN_SCORE
    # Private persons: a name alone proves nothing; a shared phone does.
    karen, karen2 = rec("Karen Smith", private=True), rec("Karen Smith", private=True)
    assert judge(karen, karen2)[1] < duplicates.MIN_SCORE
    karen3 = rec("Karen Smith", phones=["+15550100"], private=True)
    assert judge(karen3, rec("Karen Smith", phones=["+15550100"]))[1] >= duplicates.MIN_SCORE


def test_scan_writes_each_pair_once_with_all_its_reasons(staff):
    phone = [{"value": "+7 495 123-45-67"}]
    a = create(staff.manager1, "ООО «Ромашка»", phones=phone, emails=[{"value": "a@romashka.ru"}])
    b = create(staff.manager1, "Romashka LLC", phones=phone, emails=[{"value": "b@romashka.ru"}])
    run_scan(staff.admin)
    pair = pair_of(a, b)
    assert pair.reasons == ["phone", "domain", "name"]  # found by phone, domain and name
    assert DuplicatePair.objects.count() == 1


def test_scan_skips_keys_shared_by_too_many_and_namesake_persons(staff):
    from rapport.parties.models import ClientKind

    shared = [{"value": "+48 22 000 00 00"}]  # a switchboard
    names = ["Alfa", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India",
             "Juliett", "Kilo"]  # fmt: skip
    assert len(names) > duplicates.KEY_CAP
    for name in names:
        create(staff.manager1, f"{name} Handel", phones=shared)
    create(staff.manager1, "Karen Smith", kind=ClientKind.PERSON)
    create(staff.manager2, "Karen Smith", kind=ClientKind.PERSON)
    create(staff.manager1, "ИП Петров А. Н.")  # a sole trader: a person's name
    create(staff.manager2, "ИП Петров А. Н.")
    run_scan(staff.admin)
    assert not DuplicatePair.objects.exists()


def test_new_client_warning_takes_two_statements_and_none_for_nothing(staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    create(staff.manager1, "Химпром", tax_id="7707083893", phones=[{"value": "+7 495 1234567"}])
    create(staff.manager2, "Химпром", tax_id="7707083893")  # not manager1's
    with CaptureQueriesContext(connection) as queries:
        found = selectors.likely_duplicates(
            actor=staff.manager1, name="Khimprom", tax_id="7707083893", phones=["84951234567"]
        )
    assert len(queries) == 2
    assert [(c.client.name, c.score) for c in found] == [("Химпром", 100)]
    assert found[0].reasons == ["same tax id", "same phone", "similar name"]
    with CaptureQueriesContext(connection) as queries:
        assert selectors.likely_duplicates(actor=staff.manager1, name="Kh", phones=["12"]) == []
    assert len(queries) == 0

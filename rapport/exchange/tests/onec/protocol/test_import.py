"""mode=import (background job, progress loop), deactivate and complete, with the real
catalogue import. Transactional: jobs are queued after commit, as in production."""

from __future__ import annotations

import re

import pytest

from rapport.catalog.models import Product
from rapport.core import jobs as core_jobs
from rapport.core.models import ExternalId, Job, JobStatus
from rapport.exchange.models import ExchangeFile, ExchangeSession, SessionStatus
from rapport.exchange.onec.commerceml.jobs import KIND, file_kind

from .conftest import sample, upload_dir

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = sample("carono_php-commerceml/import.xml").read_bytes()
OFFERS = sample("carono_php-commerceml/offers.xml").read_bytes()
FIRST_ID = "bd72d910-55bc-11d9-848a-00112f43529a"
SECOND_ID = "bd72d913-55bc-11d9-848a-00112f43529a"


@pytest.fixture
def held_worker(monkeypatch):
    """A broker that keeps the queued jobs until the test lets a worker run them."""
    queued: list[str] = []
    monkeypatch.setattr(core_jobs.run_job, "delay", lambda job_id: queued.append(job_id))

    def work(_round: int = 0) -> None:
        while queued:
            core_jobs.run_job(queued.pop(0))

    work.queued = queued  # type: ignore[attr-defined]
    return work


def product_ids() -> set[str]:
    return set(
        ExternalId.objects.filter(content_type__model="product").values_list("value", flat=True)
    )


def test_a_catalogue_upload_imports_goods_and_closes_the_session(one_c, settings):
    results = one_c.run_catalog({"import.xml": IMPORT, "offers.xml": OFFERS})
    assert set(results) == {"import.xml", "offers.xml"}
    assert {FIRST_ID, SECOND_ID} <= {v.split("#")[0] for v in product_ids()}
    session = ExchangeSession.objects.get()
    assert session.status == SessionStatus.DONE
    assert session.counts["created"] > 0
    assert session.counts["rejected"] == 0
    assert sorted(ExchangeFile.objects.filter(session=session).values_list("name", flat=True)) == [
        "import.xml",
        "offers.xml",
    ]
    jobs = Job.objects.filter(kind=KIND)
    assert sorted(j.params["file"] for j in jobs) == ["import.xml", "offers.xml"]
    assert all(j.status == JobStatus.DONE for j in jobs)
    assert not upload_dir(settings, session).exists()  # complete removes the working folder


def test_import_answers_progress_until_the_worker_is_done(one_c, held_worker):
    one_c.start("catalog")
    one_c.upload("catalog", "import.xml", IMPORT)
    reply, texts = one_c.import_file("catalog", "import.xml", between=held_worker)
    assert reply.ok, reply.text
    assert len(texts) == 1
    assert "import.xml" in texts[0] and "0%" in texts[0]
    # Asking again neither starts a second job nor changes the answer.
    assert one_c.import_file("catalog", "import.xml")[0].ok
    assert Job.objects.filter(kind=KIND).count() == 1
    assert not held_worker.queued


def test_progress_shows_the_share_done(one_c, held_worker):
    one_c.start("catalog")
    one_c.upload("catalog", "import.xml", IMPORT)
    assert one_c.get("catalog", "import", filename="import.xml").word == "progress"
    Job.objects.filter(kind=KIND).update(status=JobStatus.RUNNING, total=8, processed=6)
    reply = one_c.get("catalog", "import", filename="import.xml")
    assert reply.lines[0] == "progress"
    assert "75%" in reply.lines[1] and "6" in reply.lines[1] and "8" in reply.lines[1]
    # complete waits for running imports
    reply = one_c.complete()
    assert reply.word == "progress" and "import.xml" in reply.text
    assert ExchangeSession.objects.get().status == SessionStatus.RUNNING


def test_a_broken_file_fails_with_a_readable_reason(one_c):
    one_c.start("catalog")
    one_c.upload("catalog", "import.xml", IMPORT[: len(IMPORT) // 2])
    reply, _texts = one_c.import_file("catalog", "import.xml")
    assert reply.word == "failure"
    assert "import.xml" in reply.text
    assert "well-formed" in reply.text
    assert not product_ids()
    assert one_c.complete().ok
    session = ExchangeSession.objects.get()
    assert session.status == SessionStatus.FAILED
    assert "import.xml" in session.message


def test_a_file_not_received_cannot_be_imported(one_c):
    one_c.start("catalog")
    reply = one_c.get("catalog", "import", filename="offers.xml")
    assert reply.word == "failure" and "offers.xml" in reply.text
    assert not Job.objects.exists()


def test_a_file_of_a_kind_not_imported_is_kept_and_acknowledged(one_c):
    one_c.start("catalog")
    one_c.upload("catalog", "units___1.xml", b"<?xml version='1.0'?><a/>")
    reply = one_c.get("catalog", "import", filename="units___1.xml")
    assert reply.ok and "units___1.xml" in reply.text
    assert not Job.objects.exists()
    assert ExchangeFile.objects.filter(name="units___1.xml").exists()


def test_a_file_sent_again_is_imported_again(one_c, held_worker):
    one_c.start("catalog")
    one_c.upload("catalog", "import.xml", IMPORT)
    assert one_c.import_file("catalog", "import.xml", between=held_worker)[0].ok
    one_c.upload("catalog", "import.xml", IMPORT)
    reply = one_c.get("catalog", "import", filename="import.xml")
    assert reply.word == "progress"
    held_worker()
    assert one_c.get("catalog", "import", filename="import.xml").ok
    assert Job.objects.filter(kind=KIND).count() == 2


def test_same_package_twice_changes_nothing(one_c):
    one_c.run_catalog({"import.xml": IMPORT, "offers.xml": OFFERS})
    first = ExchangeSession.objects.get()
    one_c.run_catalog({"import.xml": IMPORT, "offers.xml": OFFERS})
    second = ExchangeSession.objects.exclude(pk=first.pk).get()
    assert second.counts["created"] == 0
    assert second.counts["updated"] == 0
    assert second.counts["unchanged"] > 0


def without_second_product(data: bytes) -> bytes:
    text = data.decode("utf-8-sig")
    block = re.compile(r"<Товар>\s*<Ид>" + SECOND_ID + r"</Ид>.*?</Товар>", re.DOTALL)
    reduced, n = block.subn("", text)
    assert n == 1
    return b"\xef\xbb\xbf" + reduced.encode("utf-8")


def product(external_id: str) -> Product:
    pk = ExternalId.objects.get(content_type__model="product", value=external_id).object_id
    return Product.objects.get(pk=pk)


def test_deactivate_after_a_full_upload_deactivates_missing_goods(one_c):
    one_c.run_catalog({"import.xml": IMPORT})
    assert product(SECOND_ID).is_active
    one_c.run_catalog({"import.xml": without_second_product(IMPORT)})
    assert not product(SECOND_ID).is_active
    assert product(FIRST_ID).is_active
    assert ExchangeSession.objects.filter(status=SessionStatus.DONE).count() == 2


def test_deactivate_leaves_goods_when_the_connection_says_so(one_c, connection):
    connection.options = {"zip": False, "deactivate_missing": False}
    connection.save()
    one_c.run_catalog({"import.xml": IMPORT})
    one_c.run_catalog({"import.xml": without_second_product(IMPORT)})
    assert product(SECOND_ID).is_active


def test_zipped_catalogue_with_images(one_c, connection):
    connection.options = {"zip": True}
    connection.save()
    files = {
        "import.xml": IMPORT,
        "offers.xml": OFFERS,
        "import_files/bd/bd72d910-55bc-11d9-848a-00112f43529a_1.jpg": b"\xff\xd8\xff\xe0",
    }
    results = one_c.run_catalog(files, archive_name="v8_0A1B.zip")
    assert set(results) == {"import.xml", "offers.xml"}
    assert [s.params.get("filename") for s in one_c.log if s.params["mode"] == "file"] == [
        "v8_0A1B.zip"
    ]
    assert ExchangeSession.objects.get().status == SessionStatus.DONE
    assert FIRST_ID in {v.split("#")[0] for v in product_ids()}


@pytest.mark.parametrize(
    ("name", "channel", "kind"),
    [
        ("import.xml", "catalog", "catalog"),
        ("import0_1.xml", "catalog", "catalog"),
        ("offers___cd9c.xml", "catalog", "catalog"),
        ("prices___1.xml", "catalog", "catalog"),
        ("rests___1.xml", "catalog", "catalog"),
        ("groups___1.xml", "catalog", "catalog"),
        ("propertiesGoods___1.xml", "catalog", "catalog"),
        ("orders-1f2e.xml", "sale", "orders"),
        ("documents___1.xml", "sale", "orders"),
        ("to.xml", "sale", "orders"),
        ("to.xml", "catalog", ""),
        ("import_files/ab/x.jpg", "catalog", ""),
    ],
)
def test_file_kind(name, channel, kind):
    assert file_kind(name, channel) == kind

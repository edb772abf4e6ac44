"""Every CommerceML sample through the endpoint, as 1C would send it: catalogue files with
type=catalog (plain and zipped), order files with type=sale."""

from __future__ import annotations

import pytest

from rapport.core.models import Job, JobStatus
from rapport.exchange.models import ExchangeSession, Rejection, SessionStatus
from rapport.exchange.onec.commerceml.jobs import KIND

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db(transaction=True)

# Per source, in the order 1C sends them (classifier and goods before offers).
CATALOGUES = {
    "ArtemiusUA_django-cml": ["import.xml"],
    "carono_php-commerceml": ["import.xml", "import_wo_classifier.xml", "offers.xml"],
    "dobromyslov_commerceml-parser": ["import0_1.xml", "offers0_1.xml"],
    "stee1cat_1c-exchange_cml3.1": [
        "import___29d3f7f0-36dd-4eea-a06c-4c325bed4285.xml",
        "import___a499ca50-a6b0-4bbd-953a-24962a5ab40d.xml",
        "offers___cd9ce019-f901-4dd4-aed7-a76bec5faac2.xml",
    ],
}
ORDER_FILES = [
    "carono_php-commerceml/orders.xml",
    "carono_yii2-1c-exchange/from_orders_2.03_cp1251.xml",
    "cscart_docs/orders_cscart_fragment.xml",
    "dobromyslov_commerceml-parser/bitrix-query-response-full.xml",
    "dobromyslov_commerceml-parser/bitrix-query-response-empty.xml",
]


def test_every_sample_is_listed():
    listed = {f"{folder}/{name}" for folder, names in CATALOGUES.items() for name in names}
    listed |= set(ORDER_FILES)
    on_disk = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.xml")}
    assert on_disk == listed


@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "zip"])
@pytest.mark.parametrize("folder", sorted(CATALOGUES))
def test_catalogue_samples(one_c, connection, folder, zipped):
    version = "3.1" if "cml3.1" in folder else "2.08"
    connection.options = {"zip": zipped, "file_limit": 64 * 1024, "version": version}
    connection.save()
    one_c.version = version
    files = {name: (SAMPLES / folder / name).read_bytes() for name in CATALOGUES[folder]}
    results = one_c.run_catalog(files)
    assert set(results) == set(files)
    assert one_c.negotiated_version == version
    session = ExchangeSession.objects.get()
    assert session.status == SessionStatus.DONE, session.message
    assert session.counts["created"] > 0
    jobs = Job.objects.filter(kind=KIND)
    assert sorted(j.params["file"] for j in jobs) == sorted(files)
    assert {j.status for j in jobs} == {JobStatus.DONE}
    # Again: nothing new, nothing changed.
    one_c.run_catalog(files)
    second = ExchangeSession.objects.exclude(pk=session.pk).get()
    assert (second.counts["created"], second.counts["updated"]) == (0, 0)


@pytest.mark.parametrize("name", ORDER_FILES)
def test_order_samples(one_c, name):
    data = (SAMPLES / name).read_bytes()
    file_name = name.rsplit("/", 1)[1]
    one_c.run_sale({file_name: data}, import_after=True)
    session = ExchangeSession.objects.get()
    job = Job.objects.get(kind=KIND)
    assert job.status == JobStatus.DONE, job.message
    assert job.params["file"] == file_name
    if "empty" not in name:
        # Orders the CRM never sent: logged for a person, with the reason.
        assert Rejection.objects.filter(session=session, target="order").exists()

"""The demo company gets two pipelines and about forty deals with stage history."""

import io

import pytest
from django.core.management import call_command

from rapport.sales.models import Deal, DealStatus, Pipeline, StageVisit


@pytest.mark.django_db
def test_demo_company_has_pipelines_and_deals(settings):
    settings.DEMO_MODE = True
    call_command("demo_company", quiet=True, stdout=io.StringIO())
    assert set(Pipeline.objects.values_list("name", flat=True)) >= {"Sales of goods", "Services"}
    proposal = Pipeline.objects.get(name="Sales of goods").stages.get(name="Proposal")
    assert proposal.required_fields == ["lines"]
    assert Deal.objects.count() == 40
    assert Deal.objects.filter(status=DealStatus.WON).exists()
    assert Deal.objects.filter(status=DealStatus.LOST, lost_reason__isnull=False).exists()
    assert StageVisit.objects.count() > Deal.objects.count()  # some moved through stages
    # every deal in a stage requiring lines has lines
    for deal in Deal.objects.select_related("stage"):
        if "lines" in deal.stage.required_fields:
            assert deal.lines.exists()
    assert set(Deal.objects.values_list("manager__username", flat=True)) == {
        "manager1",
        "manager2",
        "manager3",
    }

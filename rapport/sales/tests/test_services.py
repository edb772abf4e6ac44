"""Deal services: money (catalogue prices, discounts, VAT, rounding, base currency), stage
moves and their rules, stage history, typical actions as tasks, version conflicts,
win/lose/reopen, trash."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.catalog.models import DiscountRule, ManualDiscountLimit
from rapport.core.models import Role
from rapport.parties.models import Tag
from rapport.parties.tests.factories import ClientFactory
from rapport.planner.models import Task
from rapport.sales.models import DealStatus, StageAction, StageVisit
from rapport.sales.services import deals as svc
from rapport.sales.tests.factories import LostReasonFactory

pytestmark = pytest.mark.django_db


def _deal(staff, catalog, pipeline, lines=None, **kwargs):
    client = kwargs.pop("client", None) or ClientFactory(manager=staff.manager1)
    return svc.deal_create(
        actor=kwargs.pop("actor", staff.manager1),
        title=kwargs.pop("title", "Supply"),
        client=client,
        pipeline=pipeline,
        currency=kwargs.pop("currency", catalog.eur),
        lines=lines,
        **kwargs,
    )


def test_create_prices_lines_from_catalogue_and_sums_totals(staff, catalog, pipeline):
    deal = _deal(
        staff,
        catalog,
        pipeline,
        lines=[
            {"product": catalog.widget, "quantity": "3"},
            {"product": catalog.gadget, "quantity": "1"},
        ],
    )
    lines = list(deal.lines.order_by("position"))
    assert [line.price for line in lines] == [Decimal("10.0000"), Decimal("33.3300")]
    # prices include VAT 20%: 30.00 has 5.00 VAT inside; 33.33 has 5.56 inside
    assert [line.vat_amount for line in lines] == [Decimal("5.00"), Decimal("5.56")]
    assert deal.amount == Decimal("63.33")
    assert deal.amount_base == Decimal("63.33")
    assert deal.stage.name == "Lead" and deal.probability == 10
    assert deal.department == staff.sales and deal.manager == staff.manager1
    assert StageVisit.objects.filter(deal=deal, left_at__isnull=True).count() == 1


def test_vat_on_top_and_rounding_once_per_line(staff, catalog, pipeline):
    deal = _deal(
        staff,
        catalog,
        pipeline,
        price_type=catalog.net,
        lines=[{"product": catalog.gadget, "quantity": "3", "discount_percent": "0"}],
    )
    line = deal.lines.get()
    # 3 x 33.33 = 99.99 net, VAT 20% on top = 20.00 (19.998 rounded half up once)
    assert line.amount == Decimal("99.99") and line.vat_amount == Decimal("20.00")
    assert deal.amount == Decimal("119.99")


def test_amount_entered_without_lines_and_converted_to_base_currency(staff, catalog, pipeline):
    deal = _deal(staff, catalog, pipeline, currency=catalog.usd, amount="1000.00")
    assert deal.amount == Decimal("1000.00")
    assert deal.amount_base == Decimal("900.00")  # 1 USD = 0.9 EUR


def test_missing_exchange_rate_names_the_currency(staff, catalog, pipeline):
    from rapport.catalog.models import Currency

    pln = Currency.objects.create(code="PLN", name="Zloty")
    with pytest.raises(ValidationError) as exc:
        _deal(staff, catalog, pipeline, currency=pln, amount="10")
    assert "PLN" in exc.value.message_dict["currency"][0]


def test_automatic_discount_by_client_category_and_product_group(staff, catalog, pipeline):
    vip = Tag.objects.create(name="Wholesale")
    client = ClientFactory(manager=staff.manager1)
    client.tags.add(vip)
    DiscountRule.objects.create(
        name="wholesale hardware",
        client_category=vip,
        product_group=catalog.group,
        percent=Decimal("5"),
    )
    deal = _deal(
        staff,
        catalog,
        pipeline,
        client=client,
        lines=[{"product": catalog.widget, "quantity": 10}, {"product": catalog.gadget}],
    )
    widget, gadget = deal.lines.order_by("position")
    assert widget.discount_percent == Decimal("5") and not widget.discount_is_manual
    assert widget.amount == Decimal("95.00")
    assert gadget.discount_percent == 0  # not in the group


def test_manual_discount_limited_by_role_with_message_naming_line_and_field(
    staff, catalog, pipeline
):
    ManualDiscountLimit.objects.create(role=Role.MANAGER, max_percent=Decimal("10"))
    ok = _deal(
        staff, catalog, pipeline, lines=[{"product": catalog.widget, "discount_percent": "10"}]
    )
    assert ok.lines.get().discount_is_manual
    with pytest.raises(ValidationError) as exc:
        _deal(
            staff,
            catalog,
            pipeline,
            title="Too generous",
            lines=[
                {"product": catalog.widget},
                {"product": catalog.gadget, "discount_percent": "15"},
            ],
        )
    message = exc.value.message_dict["lines"][0]
    assert "Line 2 (Gadget)" in message and "discount 15%" in message and "10%" in message
    assert not ok.__class__.objects.filter(title="Too generous").exists()


def test_move_enforces_required_fields_and_writes_history(staff, catalog, pipeline, stages):
    deal = _deal(staff, catalog, pipeline, amount="100")
    deal = svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Qualification"])
    with pytest.raises(ValidationError) as exc:
        svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Proposal"])
    assert exc.value.message_dict["stage"] == ["The stage “Proposal” requires: Product lines."]
    assert "lines" in exc.value.message_dict
    deal.refresh_from_db()
    assert deal.stage == stages["Qualification"]
    deal = svc.deal_update(
        actor=staff.manager1,
        deal=deal,
        version=deal.version,
        lines=[{"product": catalog.widget, "quantity": 2}],
    )
    deal = svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Proposal"])
    assert deal.stage == stages["Proposal"] and deal.probability == 40
    assert deal.furthest_position == 2
    visits = list(StageVisit.objects.filter(deal=deal).order_by("entered_at", "id"))
    assert [v.stage.name for v in visits] == ["Lead", "Qualification", "Proposal"]
    assert all(v.left_at is not None for v in visits[:2]) and visits[2].left_at is None
    # back to an earlier stage: furthest position stays
    deal = svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Lead"])
    assert deal.furthest_position == 2


def test_probability_edited_by_hand_is_kept_on_move(staff, catalog, pipeline, stages):
    deal = _deal(staff, catalog, pipeline, probability=35)
    deal = svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Qualification"])
    assert deal.probability == 35


def test_typical_actions_become_tasks_for_the_manager(staff, catalog, pipeline, stages):
    StageAction.objects.create(stage=stages["Qualification"], title="Call the buyer", due_in_days=2)
    deal = _deal(staff, catalog, pipeline, manager=staff.manager2, actor=staff.head)
    svc.deal_move(actor=staff.head, deal=deal, stage=stages["Qualification"])
    task = Task.objects.get(title="Call the buyer")
    assert task.executor == staff.manager2 and task.author == staff.head
    assert task.record == deal and task.deadline is not None


def test_version_conflict(staff, catalog, pipeline):
    deal = _deal(staff, catalog, pipeline, amount="10")
    old = deal.version
    svc.deal_update(actor=staff.manager1, deal=deal, version=old, title="First")
    with pytest.raises(svc.DealConflict) as exc:
        svc.deal_update(actor=staff.head, deal=deal, version=old, title="Second")
    assert "changed by" in exc.value.message and str(staff.manager1) in exc.value.message
    deal.refresh_from_db()
    assert deal.title == "First"


def test_win_lose_reopen(staff, catalog, pipeline, stages):
    deal = _deal(staff, catalog, pipeline, amount="10")
    with pytest.raises(ValidationError) as exc:
        svc.deal_lose(actor=staff.manager1, deal=deal, reason=None)
    assert "reason" in exc.value.message_dict
    reason = LostReasonFactory(name="Price")
    deal = svc.deal_lose(actor=staff.manager1, deal=deal, reason=reason, comment="too dear")
    assert deal.status == DealStatus.LOST and deal.closed_at and deal.lost_reason == reason
    assert not StageVisit.objects.filter(deal=deal, left_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        svc.deal_move(actor=staff.manager1, deal=deal, stage=stages["Qualification"])
    deal = svc.deal_reopen(actor=staff.manager1, deal=deal)
    assert deal.status == DealStatus.OPEN and deal.closed_at is None and deal.lost_reason is None
    deal = svc.deal_win(actor=staff.manager1, deal=deal)
    assert deal.status == DealStatus.WON and deal.probability == 100


def test_edit_rights(staff, catalog, pipeline):
    deal = _deal(staff, catalog, pipeline, amount="10")
    for user in (staff.manager2, staff.manager3, staff.viewer):
        with pytest.raises(PermissionDenied):
            svc.deal_update(actor=user, deal=deal, version=deal.version, title="x")
    for user in (staff.head, staff.director, staff.admin):
        deal = svc.deal_update(actor=user, deal=deal, version=deal.version, title=user.username)
    # the client's manager may edit a deal managed by someone else
    client = ClientFactory(manager=staff.manager2)
    other = _deal(staff, catalog, pipeline, client=client, actor=staff.head, manager=staff.manager3)
    svc.deal_update(actor=staff.manager2, deal=other, version=other.version, title="ok")


def test_trash_and_restore(staff, catalog, pipeline):
    deal = _deal(staff, catalog, pipeline, amount="10")
    svc.deal_trash(actor=staff.manager1, deal=deal)
    deal.refresh_from_db()
    assert deal.deleted_at is not None
    svc.deal_restore(actor=staff.manager1, deal=deal)
    deal.refresh_from_db()
    assert deal.deleted_at is None


def test_changing_currency_reprices_lines(staff, catalog, pipeline):
    deal = _deal(staff, catalog, pipeline, lines=[{"product": catalog.widget, "quantity": 2}])
    deal = svc.deal_update(
        actor=staff.manager1, deal=deal, version=deal.version, currency=catalog.usd
    )
    assert deal.lines.get().price == Decimal("11.0000")
    assert deal.amount == Decimal("22.00") and deal.amount_base == Decimal("19.80")

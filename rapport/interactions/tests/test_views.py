import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.interactions import services
from rapport.interactions.models import ClientInterest, Interaction, InteractionType, Interest

from .conftest import itype
from .test_selectors import VISIBLE

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:interaction_list")


@pytest.fixture
def web(client):
    return client


def subjects(html):
    return {
        m.removeprefix("Call ")
        for m in re.findall(r'data-testid="interaction-link">([^<]+)<', html)
    }


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_list_and_detail_scope(world, web, role):
    web.force_login(getattr(world["staff"], role))
    assert subjects(web.get(LIST).content.decode()) == VISIBLE[role]
    for key, item in world["interactions"].items():
        response = web.get(reverse("interactions:interaction_detail", args=[item.pk]))
        assert response.status_code == (200 if key in VISIBLE[role] else 404)
    vip = world["interactions"]["vip"]
    if "vip" in VISIBLE[role]:
        html = web.get(reverse("interactions:interaction_detail", args=[vip.pk])).content.decode()
        assert ("secret vip" in html) is (role in {"admin", "director", "manager2"})


def test_list_filters_and_pages(world, web):
    staff = world["staff"]
    web.force_login(staff.admin)
    m3 = world["clients"]["m3"]
    assert subjects(web.get(LIST, {"client": m3.pk}).content.decode()) == {"m3", "m3_joined"}
    assert subjects(web.get(LIST, {"planned": "1"}).content.decode()) == set()
    for i in range(60):
        services.interaction_create(
            actor=staff.admin,
            client=m3,
            type=itype(),
            subject=f"Bulk {i}",
            date=timezone.now() - dt.timedelta(days=5, minutes=i),
        )
    first = web.get(LIST).content.decode()
    assert first.count('data-testid="interaction-row"') == 50
    next_url = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    rest = web.get(next_url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="interaction-pager")
    assert rest.content.decode().count('data-testid="interaction-row"') == 17
    assert "<html" not in rest.content.decode()


def test_log_from_the_client_card_and_complete(world, web):
    staff = world["staff"]
    client = world["clients"]["m1"]
    web.force_login(staff.manager1)
    form = web.get(reverse("interactions:interaction_create"), {"client": client.pk})
    html = form.content.decode()
    assert form.status_code == 200 and f'value="{client.pk}" selected' in html
    assert 'name="back" value="client"' in html and 'id="templates-data"' in html
    response = web.post(
        reverse("interactions:interaction_create"),
        {
            "client": client.pk,
            "type": itype("meeting").pk,
            "date": "2030-01-02T10:00",
            "subject": "Demo",
            "planned": "on",
            "participants": [staff.manager1.pk],
            "back": "client",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("parties:client_detail", args=[client.pk]))
    item = Interaction.objects.get(subject="Demo")
    assert item.planned and item.manager == staff.manager1
    complete_url = reverse("interactions:interaction_complete", args=[item.pk])
    bad = web.post(complete_url, {"result": ""})
    assert bad.status_code == 422
    done = web.post(complete_url, {"result": "They liked it"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert not item.planned and item.result == "They liked it"


def test_form_errors_keep_input_and_write_nothing(world, web):
    web.force_login(world["staff"].manager1)
    before = Interaction.objects.count()
    response = web.post(
        reverse("interactions:interaction_create"),
        {
            "client": world["clients"]["m3"].pk,
            "type": itype("complaint").pk,
            "date": "2030-01-02T10:00",
            "subject": "Oops",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-client"' in html and 'data-testid="error-description"' in html
    assert Interaction.objects.count() == before


def test_read_only_users_cannot_write(world, web):
    web.force_login(world["staff"].viewer)
    assert web.get(reverse("interactions:interaction_create")).status_code == 403
    item = world["interactions"]["m1"]
    assert web.get(reverse("interactions:interaction_edit", args=[item.pk])).status_code == 403
    assert web.post(reverse("interactions:interaction_trash", args=[item.pk])).status_code == 403
    assert Interaction.objects.get(pk=item.pk).deleted_at is None


def test_edit_page(world, web):
    staff = world["staff"]
    item = world["interactions"]["m2"]
    web.force_login(staff.manager2)
    url = reverse("interactions:interaction_edit", args=[item.pk])
    assert web.get(url).status_code == 200
    response = web.post(
        url,
        {
            "client": item.client_id,
            "type": item.type_id,
            "date": "2030-01-02T10:00",
            "subject": "Renamed",
            "manager": staff.manager2.pk,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.subject == "Renamed"


def test_timeline_fragment_pages_and_filters(world, web):
    staff = world["staff"]
    client = world["clients"]["m1"]
    for i in range(25):
        services.interaction_create(
            actor=staff.manager1,
            client=client,
            type=itype(),
            subject=f"T{i}",
            date=timezone.now() - dt.timedelta(hours=i + 1),
        )
    web.force_login(staff.manager1)
    url = reverse("parties:client_timeline", args=[client.pk])
    first = web.get(url).content.decode()
    assert first.count('data-testid="activity-entry"') == 20
    assert 'data-testid="timeline-filter"' in first
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = web.get(more).content.decode()
    assert second.count('data-testid="activity-entry"') == 6
    assert 'data-testid="timeline-more"' not in second
    only_status = web.get(url, {"kind": "status"}).content.decode()
    assert 'data-kind="interaction"' not in only_status
    web.force_login(staff.manager3)
    assert web.get(url).status_code == 404


def test_client_interests_panel(world, web):
    staff = world["staff"]
    client = world["clients"]["m1"]
    url = reverse("interactions:client_interests", args=[client.pk])
    interest = Interest.objects.get(name="Training")
    web.force_login(staff.manager1)
    added = web.post(url, {"interest": interest.pk, "note": "Next year"})
    assert added.status_code == 200 and "Training" in added.content.decode()
    record = ClientInterest.objects.get(client=client)
    web.force_login(staff.manager3)
    assert web.get(url).status_code == 404
    remove = reverse("interactions:client_interest_remove", args=[record.pk])
    assert web.post(remove).status_code == 404
    web.force_login(staff.manager1)
    assert web.post(remove).status_code == 200
    assert not ClientInterest.objects.exists()


def test_report_page(world, web):
    web.force_login(world["staff"].director)
    html = web.get(reverse("interactions:planned_vs_done")).content.decode()
    assert 'id="planned-chart-data"' in html and 'data-testid="report-row"' in html
    assert "chart.umd.min.js" in html


def test_settings_pages_are_for_administrators(world, web):
    web.force_login(world["staff"].director)
    assert web.get(reverse("interactions:settings")).status_code == 404
    assert web.get(reverse("interactions:setting_create", args=["type"])).status_code == 404
    web.force_login(world["staff"].admin)
    assert "Incoming call" in web.get(reverse("interactions:settings")).content.decode()
    response = web.post(
        reverse("interactions:setting_create", args=["type"]),
        {
            "name": "SMS",
            "code": "sms",
            "icon": "phone",
            "color": "info",
            "direction": "outgoing",
            "required_fields": ["result"],
            "position": 5,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert InteractionType.objects.get(code="sms").required_fields == ["result"]
    bad = web.post(
        reverse("interactions:setting_create", args=["type"]),
        {
            "name": "Bad",
            "code": "bad",
            "icon": "no spaces!",
            "color": "info",
            "direction": "none",
            "position": 1,
        },
    )
    assert bad.status_code == 422 and not InteractionType.objects.filter(code="bad").exists()
    response = web.post(
        reverse("interactions:setting_create", args=["interest"]),
        {"name": "Leasing", "parent": Interest.objects.get(name="Services").pk, "position": 1},
    )
    assert response.status_code == 302
    assert Interest.objects.get(name="Leasing").parent.name == "Services"


def test_no_inline_scripts(world, web):
    web.force_login(world["staff"].admin)
    item = world["interactions"]["m1"]
    for url in (
        LIST,
        reverse("interactions:interaction_detail", args=[item.pk]),
        reverse("interactions:interaction_create") + f"?client={item.client_id}",
        reverse("interactions:planned_vs_done"),
        reverse("interactions:settings"),
    ):
        html = web.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), url
        assert not re.search(r"\son[a-z]+=", html), url

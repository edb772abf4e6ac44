"""The demo company comes with interactions, calendar events, resources and tasks
(registered by the upper apps with rapport.parties.demo), made once."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapport.core import access
from rapport.core.models import User
from rapport.interactions.models import Interaction
from rapport.planner.models import Event, Resource, Task, TaskStatus


def _counts():
    return Interaction.objects.count(), Event.objects.count(), Task.objects.count()


@pytest.mark.django_db
def test_demo_company_has_interactions_events_and_tasks_once(settings):
    settings.DEMO_MODE = True
    call_command("demo_company", quiet=True, stdout=io.StringIO())
    interactions, events, tasks = _counts()
    assert interactions >= 8 and events >= 5 and tasks >= 5
    assert Resource.objects.filter(name="Meeting room").exists()

    m1, m2 = User.objects.get(username="manager1"), User.objects.get(username="manager2")
    managed = Interaction.objects.values_list("client__manager__username", flat=True)
    assert set(managed) <= {"manager1", "manager2"}
    assert Interaction.objects.filter(planned=True).exists()
    assert Interaction.objects.filter(planned=False).exists()
    assert access.visible_to(m1, Interaction).exists()

    assert Event.objects.exclude(rrule="").filter(organiser__username="head.sales").exists()
    assert any(e.participants.count() >= 2 for e in Event.objects.all())
    now = timezone.now()
    assert all(abs((e.start - now).days) <= 14 for e in Event.objects.all())

    # The planner's own demo tasks (deals' typical actions give tasks to their managers).
    planner_tasks = Task.objects.filter(content_type__isnull=True)
    assert set(planner_tasks.values_list("executor__username", flat=True)) <= {
        "manager1",
        "manager2",
    }
    assert Task.objects.filter(author__username="head.sales", executor=m2).exists()
    overdue = Task.objects.filter(deadline__lt=now).exclude(
        status__in=[TaskStatus.DONE, TaskStatus.ACCEPTED]
    )
    assert overdue.exists()
    assert Task.objects.filter(status=TaskStatus.DONE, author__username="head.sales").exists()

    out = io.StringIO()
    call_command("demo_company", quiet=True, stdout=out)
    assert "already present" in out.getvalue()
    assert _counts() == (interactions, events, tasks)
    assert Resource.objects.filter(name="Meeting room").count() == 1

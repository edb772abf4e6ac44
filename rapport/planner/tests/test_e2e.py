"""Browser tests: plan a meeting with a colleague and see the conflict, move it by
dragging in the week view; complete a task and have the author accept it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.planner import services
from rapport.planner.models import Event, Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _monday_next_week():
    today = dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def _settled_box(locator):
    """The element's box once the calendar has drawn it again after a move (it redraws
    the events it fetched: for a moment the block is not on the page)."""
    for _attempt in range(50):
        locator.wait_for(state="visible")
        box = locator.bounding_box()
        if box is not None:
            return box
        locator.page.wait_for_timeout(100)
    raise AssertionError("the event block did not settle")


def test_plan_meeting_see_conflict_and_move_by_dragging(page, login):
    UserFactory(username="anna", role=Role.MANAGER, time_zone="UTC")
    colleague = UserFactory(
        username="boris", first_name="Boris", last_name="Busy", role=Role.MANAGER, time_zone="UTC"
    )
    day = _monday_next_week()
    busy_start = dt.datetime.combine(day, dt.time(10, 0), ZoneInfo("UTC"))
    services.event_create(
        actor=colleague,
        title="Boris private",
        start=busy_start,
        end=busy_start + dt.timedelta(hours=1),
        is_private=True,
    )
    login("anna")
    page.goto(f"/planner/events/new/?start={day}T10:00:00Z&end={day}T11:00:00Z")
    page.fill("#id_title", "Kick-off")
    page.select_option("#id_time_zone", "UTC")
    page.locator("#id_participants").select_option(str(colleague.pk))
    page.locator("#id_participants").dispatch_event("change")
    conflicts = page.get_by_test_id("conflict-list")
    conflicts.wait_for()
    assert "Boris Busy is busy" in conflicts.inner_text()
    assert "Boris private" not in conflicts.inner_text()
    page.get_by_test_id("form-submit").click()
    assert "Boris Busy is busy" in page.get_by_test_id("error-participants").inner_text()
    page.check("#id_allow_conflicts")
    page.get_by_test_id("form-submit").click()
    page.get_by_test_id("event-title").wait_for()
    event = Event.objects.get(title="Kick-off")
    assert list(event.participants.all()) == [colleague]

    page_errors = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.goto(f"/planner/calendar/?date={day}&view=timeGridWeek")
    block = page.locator(f'[data-testid="calendar-event"][data-event-id="{event.pk}"]')
    block.wait_for()
    slot = page.locator('td.fc-timegrid-slot-lane[data-time="13:00:00"]')
    box, target = _settled_box(block), slot.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, target["y"] + 5, steps=12)
    page.mouse.up()
    page.get_by_text("The event is moved.").wait_for()
    event.refresh_from_db()
    assert event.start == dt.datetime.combine(day, dt.time(13, 0), ZoneInfo("UTC"))
    # dragging onto the colleague's busy hour is refused and the event snaps back
    block = page.locator(f'[data-testid="calendar-event"][data-event-id="{event.pk}"]')
    box = _settled_box(block)
    target = page.locator('td.fc-timegrid-slot-lane[data-time="10:00:00"]').bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, target["y"] + 5, steps=12)
    page.mouse.up()
    message = page.get_by_test_id("calendar-message")
    message.get_by_text("is busy").wait_for()
    event.refresh_from_db()
    assert event.start.hour == 13
    assert page_errors == []


def test_complete_a_task_and_the_author_accepts_it(page, login):
    boss = UserFactory(username="boss", role=Role.HEAD)
    worker = UserFactory(username="worker", role=Role.MANAGER)
    task = services.task_create(
        actor=boss, title="Prepare the offer", executor=worker, checklist=["Prices"]
    )
    login("worker")
    page.goto("/planner/tasks/")
    page.get_by_role("link", name="Prepare the offer").click()
    page.get_by_test_id("checklist-toggle").click()
    page.locator('[data-testid="checklist-toggle"][aria-pressed="true"]').wait_for()
    page.get_by_test_id("task-complete").click()
    assert page.get_by_test_id("task-status").inner_text() == "Done"
    page.context.clear_cookies()
    login("boss")
    page.goto(f"/planner/tasks/{task.pk}/")
    page.get_by_test_id("task-accept").click()
    assert page.get_by_test_id("task-status").inner_text() == "Accepted"
    task.refresh_from_db()
    assert task.status == "accepted"
    assert Task.objects.get(pk=task.pk).checklist.get().is_done

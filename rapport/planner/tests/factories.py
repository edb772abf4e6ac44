import datetime as dt

import factory

from rapport.core.tests.factories import UserFactory
from rapport.planner.models import Event, Resource, Task

UTC = dt.UTC


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Room {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    organiser = factory.SubFactory(UserFactory)
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    end = factory.LazyAttribute(lambda e: e.start + dt.timedelta(hours=1))
    series_end = factory.LazyAttribute(lambda e: None if e.rrule else e.end)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    author = factory.SubFactory(UserFactory)
    executor = factory.SubFactory(UserFactory)

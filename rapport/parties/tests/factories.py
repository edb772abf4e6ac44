import factory

from rapport.core.tests.factories import UserFactory
from rapport.parties import normalize
from rapport.parties.models import Client, ContactPerson, RelationshipStatus


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    search_name = factory.LazyAttribute(lambda c: normalize.normalize_name(c.name))
    name_key = factory.LazyAttribute(lambda c: normalize.name_key(c.name))
    manager = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda c: c.manager.department if c.manager else None)
    status = factory.LazyFunction(lambda: RelationshipStatus.objects.get(code="lead"))


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    search_name = factory.LazyAttribute(
        lambda c: normalize.normalize_name(f"{c.last_name} {c.first_name}")
    )
    name_key = factory.LazyAttribute(lambda c: normalize.name_key(f"{c.last_name} {c.first_name}"))

from django.db import migrations

STATUSES = [
    ("lead", "Lead", "info", 10),
    ("prospect", "Prospect", "primary", 20),
    ("active", "Active client", "success", 30),
    ("former", "Former client", "secondary", 40),
    ("lost", "Lost", "danger", 50),
]
RELATION_TYPES = [
    ("Parent company", "Subsidiary"),
    ("Partner", "Partner"),
    ("Competitor", "Competitor"),
    ("Supplier", "Customer"),
]


def create(apps, schema_editor):
    from rapport.core.ids import new_id

    Status = apps.get_model("parties", "RelationshipStatus")
    RelationType = apps.get_model("parties", "RelationType")
    for code, name, color, position in STATUSES:
        Status.objects.get_or_create(
            code=code, defaults={"id": new_id(), "name": name, "color": color, "position": position}
        )
    for name, reverse in RELATION_TYPES:
        RelationType.objects.get_or_create(
            name=name, defaults={"id": new_id(), "reverse_name": reverse}
        )


class Migration(migrations.Migration):
    dependencies = [("parties", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

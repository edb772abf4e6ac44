"""The client property "kpp" where the 1C exchange keeps a counterparty's KPP."""

from django.db import migrations


def add_kpp(apps, schema_editor):
    PropertyDefinition = apps.get_model("core", "PropertyDefinition")
    if not PropertyDefinition.objects.filter(target="client", code="kpp").exists():
        PropertyDefinition.objects.create(
            target="client",
            code="kpp",
            label="KPP",
            type="text",
            position=900,
        )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_onec_exchange"), ("core", "0007_user_can_exchange")]

    operations = [migrations.RunPython(add_kpp, migrations.RunPython.noop)]

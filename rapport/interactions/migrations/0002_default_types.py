"""Default interaction types, a few templates and a starter interest catalogue."""

from django.db import migrations

# code, name, icon, colour, direction, required fields, position
TYPES = [
    ("call_in", "Incoming call", "telephone-inbound", "success", "incoming", [], 10),
    ("call_out", "Outgoing call", "telephone-outbound", "primary", "outgoing", [], 20),
    ("meeting", "Meeting", "people", "warning", "none", ["participants"], 30),
    ("email", "E-mail", "envelope", "info", "outgoing", [], 40),
    ("letter", "Letter", "mailbox", "secondary", "outgoing", [], 50),
    ("visit", "Visit", "geo-alt", "primary", "outgoing", ["participants"], 60),
    ("service_visit", "Service visit", "tools", "dark", "outgoing", ["participants", "result"], 70),
    ("question", "Question", "question-circle", "info", "incoming", ["description"], 80),
    ("complaint", "Complaint", "exclamation-octagon", "danger", "incoming", ["description"], 90),
]
TEMPLATES = [
    ("First call", "call_out", "Introductory call",
     "Who we spoke to:\nTheir current supplier:\nNeeds:\nAgreed:", 15),
    ("Presentation meeting", "meeting", "Presentation of our offer",
     "Agenda:\n- our company\n- products\n- terms\n\nQuestions asked:", 60),
    ("Complaint received", "complaint", "Complaint",
     "What happened:\nOrder / item:\nWhat the client expects:", None),
]
INTERESTS = {
    "Products": ["Equipment", "Consumables", "Software"],
    "Services": ["Installation", "Maintenance", "Training", "Consulting"],
}


def create(apps, schema_editor):
    from rapport.core.ids import new_id

    Type = apps.get_model("interactions", "InteractionType")
    Template = apps.get_model("interactions", "InteractionTemplate")
    Interest = apps.get_model("interactions", "Interest")
    for code, name, icon, color, direction, required, position in TYPES:
        Type.objects.get_or_create(
            code=code,
            defaults={
                "id": new_id(),
                "name": name,
                "icon": icon,
                "color": color,
                "direction": direction,
                "required_fields": required,
                "position": position,
            },
        )
    for position, (name, type_code, subject, description, duration) in enumerate(TEMPLATES):
        Template.objects.get_or_create(
            name=name,
            defaults={
                "id": new_id(),
                "type": Type.objects.get(code=type_code),
                "subject": subject,
                "description": description,
                "duration": duration,
                "position": position * 10,
            },
        )
    for group_position, (group_name, names) in enumerate(INTERESTS.items()):
        group, _created = Interest.objects.get_or_create(
            name=group_name,
            parent=None,
            defaults={"id": new_id(), "position": group_position * 10},
        )
        for position, name in enumerate(names):
            Interest.objects.get_or_create(
                name=name, parent=group, defaults={"id": new_id(), "position": position * 10}
            )


class Migration(migrations.Migration):
    dependencies = [("interactions", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

"""Editable presets for the legal answer times the users live under, and the next deadline
of cases that existed before deadlines were stored (their close due time).

The presets ship inactive: an administrator turns on the one that applies and picks its
pools; each cites its source in its description.
"""

from django.db import migrations

CALENDARS = [
    ("Italia", "IT", "Europe/Rome"),
    ("Polska", "PL", "Europe/Warsaw"),
    ("România", "RO", "Europe/Bucharest"),
]
POLICIES = [
    {
        "calendar": "Italia",
        "name": "Italia: procedimento amministrativo, 30 giorni",
        "description": (
            "Legge 7 agosto 1990, n. 241, art. 2, commi 2 e 7: salvo un termine diverso, il"
            " procedimento si conclude entro 30 giorni dal ricevimento della domanda; il"
            " termine si sospende, una volta e per non più di 30 giorni, per acquisire"
            " informazioni. Scadenza in giorno festivo: proroga al primo giorno non festivo"
            " (art. 2963 c.c.)."
        ),
        "unit": "calendar_days",
        "close_within": 30,
        "pause_on_customer": True,
    },
    {
        "calendar": "România",
        "name": "România: petiții, 30 de zile",
        "description": (
            "Ordonanța Guvernului nr. 27/2002 privind reglementarea activității de"
            " soluționare a petițiilor, art. 8 alin. (1): petițiile se soluționează în termen"
            " de 30 de zile de la data înregistrării (prelungire cu cel mult 15 zile, art. 9)."
        ),
        "unit": "calendar_days",
        "close_within": 30,
        "pause_on_customer": False,
    },
    {
        "calendar": "Polska",
        "name": "Polska: skargi i wnioski, miesiąc",
        "description": (
            "Kodeks postępowania administracyjnego, art. 237 § 1 (skargi) i art. 244 § 1"
            " (wnioski): bez zbędnej zwłoki, nie później niż w ciągu miesiąca. Koniec terminu"
            " w dzień wolny od pracy lub sobotę: następny dzień roboczy (art. 57 § 4)."
        ),
        "unit": "months",
        "close_within": 1,
        "pause_on_customer": False,
    },
]


def presets_add(apps, schema_editor):
    Calendar = apps.get_model("correspondence", "WorkingCalendar")
    Policy = apps.get_model("correspondence", "ServiceLevelPolicy")
    calendars = {}
    for name, country, zone in CALENDARS:
        calendars[name], _ = Calendar.objects.get_or_create(
            name=name, defaults={"country": country, "time_zone": zone}
        )
    for preset in POLICIES:
        fields = {**preset, "calendar": calendars[preset["calendar"]], "active": False}
        Policy.objects.get_or_create(name=preset["name"], defaults=fields)


def deadlines_backfill(apps, schema_editor):
    Case = apps.get_model("correspondence", "CasePage")
    open_cases = Case.objects.exclude(state="closed").filter(due_at__isnull=False)
    batch = []
    for case in open_cases.only("pk", "received_at", "due_at").iterator(chunk_size=2000):
        case.deadline_at = case.due_at
        case.warning_at = case.received_at + (case.due_at - case.received_at) * 0.8
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["deadline_at", "warning_at"])
            batch = []
    Case.objects.bulk_update(batch, ["deadline_at", "warning_at"])


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0015_deadlines")]

    operations = [
        migrations.RunPython(presets_add, migrations.RunPython.noop),
        migrations.RunPython(deadlines_backfill, migrations.RunPython.noop),
    ]

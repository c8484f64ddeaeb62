"""The Editors group with its permissions, so a fresh install (no demo) has the role:
editors open the admin and keep mailboxes, departments, categories, questions,
resolution types, mail texts and quick replies, publishing texts without anyone else.

Team leaders, operators and managers hold permissions per pool, granted when an
administrator creates a pool (correspondence's ``after_create_page`` hook).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MODELS = (
    "mailbox",
    "department",
    "category",
    "question",
    "resolutiontype",
    "mailtext",
    "quickreply",
)
EDITOR_ACTIONS = ("add", "change", "delete", "view", "publish", "lock", "unlock")


def _permissions_ensure(apps):
    # Model permissions are made after every migration (post_migrate); on a fresh
    # database they do not exist yet, so make them now (both functions are idempotent).
    from wagtail.snippets.models import create_extra_permissions

    config = global_apps.get_app_config("correspondence")
    create_permissions(config, apps=apps, verbosity=0)
    create_extra_permissions(config, apps=apps)


def editors_create(apps, schema_editor):
    _permissions_ensure(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _created = Group.objects.get_or_create(name="Editors")
    codenames = [f"{a}_{m}" for a in EDITOR_ACTIONS for m in EDITOR_MODELS]
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="correspondence", codename__in=codenames
        ),
        *Permission.objects.filter(
            content_type__app_label="wagtailadmin", codename="access_admin"
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intranet", "0006_merge_absences_reports"),
        ("correspondence", "0021_case_colleagues_asked"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(editors_create, migrations.RunPython.noop)]

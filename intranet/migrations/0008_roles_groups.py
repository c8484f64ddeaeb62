"""The roles of an install without the demo: the Editors group with its permissions
(editors open the admin and keep mailboxes, departments, categories, questions,
resolution types, mail texts and quick replies, publishing texts without anyone else),
and for each pool already there its "<pool> operators" and "<pool> team leaders" groups
and the Managers' oversight, as ``correspondence.permissions.pool_roles_grant`` gives a
pool created later (correspondence's ``after_create_page`` hook).
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
# As correspondence.permissions.POOL_TEAMS and MANAGER_PERMISSIONS, today.
ALL_POOL = ("view_pool_cases", "work_pool_cases", "lead_pool", "register_pool_cases")
POOL_ROLES = {
    "{pool} operators": ("view_pool_cases", "work_pool_cases"),
    "{pool} team leaders": (*ALL_POOL, "export_pool_cases"),
    "Managers": ("view_pool_cases", "export_pool_cases"),
}


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


def pool_roles_create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    PoolPage = apps.get_model("correspondence", "PoolPage")
    Granted = apps.get_model("correspondence", "PoolGroupObjectPermission")
    perms = {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="correspondence")
    }
    for pool in PoolPage.objects.all():
        for name, codenames in POOL_ROLES.items():
            group, _created = Group.objects.get_or_create(name=name.format(pool=pool.title))
            for codename in codenames:
                Granted.objects.get_or_create(
                    group=group, permission=perms[codename], content_object=pool
                )


class Migration(migrations.Migration):
    dependencies = [
        ("intranet", "0007_notify_by_email"),
        ("correspondence", "0024_case_colleagues_asked"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(editors_create, migrations.RunPython.noop),
        migrations.RunPython(pool_roles_create, migrations.RunPython.noop),
    ]

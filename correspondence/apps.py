from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "correspondence"
    verbose_name = _("Correspondence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from correspondence import tasks  # noqa: F401  (enqueues the sending of queued mail)
        from correspondence.admin_pages import page_policy_install
        from correspondence.page_views import page_views_register

        page_views_register()
        page_policy_install()

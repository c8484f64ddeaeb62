from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "correspondence"
    verbose_name = _("Correspondence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from correspondence.admin_pages import page_policy_install

        page_policy_install()

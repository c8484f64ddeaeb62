from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntranetConfig(AppConfig):
    name = "intranet"
    verbose_name = _("Intranet")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from intranet import (  # noqa: F401  (connect the login/logout receivers)
            auth,
            presence,
        )
        from intranet.page_views import page_views_register

        page_views_register()

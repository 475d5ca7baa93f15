from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "needle.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # A misspelt provider class fails the start, not the first text message at night.
        from needle.notify.gateways import check_gateways

        check_gateways()

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "needle.cases"
    label = "cases"
    verbose_name = _("Residents' requests")

    def ready(self) -> None:
        # Signals only to keep the remembered catalog fresh: whoever writes the catalog (the
        # admin, rule_set, a loader) bumps its version, and no request flow hangs on this.
        from needle.cases.catalog import catalog_changed
        from needle.cases.models import Category, RoutingRule, Service, ServiceAttribute

        for model in (Category, Service, ServiceAttribute, RoutingRule):
            post_save.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-{model.__name__}")
            post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-del-{model.__name__}")

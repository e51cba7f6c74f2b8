from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    name = "findings"
    verbose_name = _("Findings")

    def ready(self):
        from i4c import pagecache

        from .models import Finding

        # Every change to a finding makes the cached public pages stale.
        pagecache.watch(Finding, Finding.themes.through)

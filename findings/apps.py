from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    name = "findings"
    verbose_name = _("Findings")

    def ready(self):
        from dialogues.pagecache import content_changed

        from .models import Finding

        # Every change to a finding makes the cached public pages stale.
        post_save.connect(content_changed, sender=Finding, dispatch_uid="pagecache-finding")
        post_delete.connect(content_changed, sender=Finding, dispatch_uid="pagecache-finding")
        m2m_changed.connect(
            content_changed, sender=Finding.themes.through, dispatch_uid="pagecache-finding-themes"
        )

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = _("Dialogues")

    def ready(self):
        from .models import Country, Dialogue, Session, Theme
        from .pagecache import content_changed

        # Every change the public pages show makes the cached pages stale.
        for model in (Country, Theme, Dialogue, Session):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")
        for through in (Dialogue.countries.through, Session.themes.through):
            m2m_changed.connect(
                content_changed, sender=through, dispatch_uid=f"pagecache-{through}"
            )

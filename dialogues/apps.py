from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoguesConfig(AppConfig):
    name = "dialogues"
    verbose_name = _("Dialogues")

    def ready(self):
        from i4c import pagecache

        from .models import Country, Dialogue, Session, Theme

        # Every change the public pages show makes the cached pages stale.
        pagecache.watch(
            Country,
            Theme,
            Dialogue,
            Session,
            Dialogue.countries.through,
            Session.themes.through,
        )

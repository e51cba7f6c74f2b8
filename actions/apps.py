from django.apps import AppConfig
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Follow-up actions")

    def ready(self):
        from i4c import pagecache

        from .models import Action, ActionUpdate, refuse_successes

        # Actions show on the dialogue, session and country pages: a change makes
        # the cached pages stale.
        pagecache.watch(Action, ActionUpdate, Action.problems.through, Action.countries.through)
        m2m_changed.connect(
            refuse_successes, sender=Action.problems.through, dispatch_uid="actions-problems-only"
        )

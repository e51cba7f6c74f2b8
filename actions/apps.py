from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Follow-up actions")

    def ready(self):
        from .models import Action, ActionUpdate, refuse_successes
        from .pagecache import content_changed

        # Actions show on the dialogue, session and country pages: a change makes
        # the cached pages stale.
        for model in (Action, ActionUpdate):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-{model}")
        for through in (Action.problems.through, Action.countries.through):
            m2m_changed.connect(
                content_changed, sender=through, dispatch_uid=f"pagecache-{through}"
            )
        m2m_changed.connect(
            refuse_successes, sender=Action.problems.through, dispatch_uid="actions-problems-only"
        )

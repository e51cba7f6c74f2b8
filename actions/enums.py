from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("status of a follow-up action", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("status of a follow-up action", "In progress")
    DONE = "done", pgettext_lazy("status of a follow-up action", "Done")
    DROPPED = "dropped", pgettext_lazy("status of a follow-up action", "Dropped")


# Still to be done: an action in one of these states may be overdue.
OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)

# Named here so that the overdue filter's values stay one spelling everywhere.
OVERDUE = "yes"
OVERDUE_LABEL = _("Overdue")

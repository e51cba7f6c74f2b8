"""Writes that touch an action and its updates together."""

import datetime

from django.db import transaction

from .enums import ActionStatus
from .models import Action, ActionUpdate


def current_status(action: Action) -> str:
    """The status of the newest update that set one; planned when none did. One query."""
    latest = (
        action.updates.exclude(status="")
        .order_by("-date", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    return latest or ActionStatus.PLANNED


@transaction.atomic
def sync_status(action: Action) -> None:
    """Store the status the updates give, in the caller's transaction.

    Saved through ``save()`` so that the change reaches the page cache and the
    history like any other.
    """
    status = current_status(action)
    if action.status != status:
        action.status = status
        action.save(update_fields=["status", "updated"])


@transaction.atomic
def add_update(
    *, action: Action, date: datetime.date, note: str, status: str = "", **notes: str
) -> ActionUpdate:
    """Record progress on ``action``; its status follows. ``notes`` are other
    languages' notes (``note_ru=...``)."""
    update = ActionUpdate(action=action, date=date, note=note, status=status, **notes)
    update.full_clean()
    update.save()
    sync_status(action)
    return update

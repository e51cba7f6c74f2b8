"""The public pages of follow-up actions: published dialogues only (drafts for the
Board's preview on an action's own page, as for dialogues and sessions)."""

from django.db.models import Count, Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from dialogues.models import Dialogue
from i4c.pagecache import page_cache

from .enums import ActionStatus
from .filters import ActionFilter, newest_update_first
from .models import Action, ActionUpdate


def with_timeline(actions):
    """Each action's dialogue, countries and updates (newest first, as ``timeline``):
    three queries whatever the number of actions."""
    return actions.select_related("dialogue").prefetch_related(
        "countries",
        Prefetch(
            "updates", queryset=ActionUpdate.objects.order_by("-date", "-pk"), to_attr="timeline"
        ),
    )


def status_counts(data) -> list[dict]:
    """How many actions each status has under the other filters (``data`` without the
    status), in the statuses' order, with the query that shows them. One query."""
    others = QueryDict(mutable=True)
    others.update(data)
    others.pop("status", None)
    others.pop("page", None)
    filterset = ActionFilter(others or None)
    counts = {}
    if not filterset.is_bound or filterset.is_valid():
        rows = filterset.qs.order_by().values("status").annotate(count=Count("pk", distinct=True))
        counts = {row["status"]: row["count"] for row in rows}
    result = []
    for status in ActionStatus:
        query = others.copy()
        query["status"] = status.value
        result.append(
            {
                "status": status,
                "count": counts.get(status.value, 0),
                "query": query.urlencode(),
                "current": data.get("status") == status.value,
            }
        )
    return result


@page_cache(reads=set(ActionFilter.base_filters))
def action_list(request):
    """Every action of a published dialogue; bad filter values get a page that says so (400)."""
    filterset = ActionFilter(request.GET or None)
    status = 200
    if filterset.is_bound and not filterset.is_valid():
        actions = Action.objects.none()
        counts = status_counts(QueryDict())
        status = 400
    else:
        actions = with_timeline(newest_update_first(filterset.qs))
        counts = status_counts(request.GET)
    return render(
        request,
        "actions/action_list.html",
        {
            "filter": filterset,
            "actions": actions,
            "counts": counts,
            "query": request.GET.urlencode(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@page_cache()
def action_detail(request, pk):
    action = get_object_or_404(
        with_timeline(Action.objects.visible_to(request.user)).select_related("session"), pk=pk
    )
    problems = (
        action.problems.filter(session__dialogue__in=Dialogue.objects.visible_to(request.user))
        .select_related("session__dialogue", "country")
        .order_by("-session__dialogue__start", "session__position", "country__name", "position")
    )
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "dialogue": action.dialogue,
            "problems": problems,
            "is_preview": not action.dialogue.is_published,
            "today": timezone.localdate(),
        },
    )

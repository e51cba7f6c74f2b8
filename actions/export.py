"""``/actions/export.csv``: what ``/actions/`` shows, as CSV, with the findings
export's rules: UTF-8 with a byte-order mark, CRLF line ends, formula cells defused.

Actions are few (tens, not thousands): the file is written in memory, in a fixed
number of queries.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_safe

from dialogues.content import pick
from findings.export import BOM, defuse, export_language, filename_of
from findings.models import Finding
from i4c.pagecache import page_cache

from .filters import ActionFilter, newest_update_first
from .views import with_timeline

HEADER = [
    "id",
    "dialogue",
    "dialogue_date",
    "session",
    "title",
    "description",
    "carried_by",
    "countries",
    "due_date",
    "status",
    "overdue",
    "last_update_date",
    "last_update",
    "problems",
    "url",
]
FILTER_PARAMS = ["status", "country", "dialogue", "overdue"]
SEPARATOR = "; "


def filtered_actions(params):
    """Published actions narrowed exactly as ``/actions/`` narrows them; a bad filter
    value raises ``ValidationError``: the file never holds a wider selection."""
    filterset = ActionFilter(params)
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError(
            [
                f"{filterset.form.fields[name].label}: {' '.join(errors)}"
                for name, errors in filterset.errors.items()
            ]
        )
    return filterset.qs


def rows(actions, *, url_base: str, language: str):
    """The cells of each action, text in ``language`` else the next language that has it.

    Four queries: the actions with their dialogues and sessions, their countries,
    their updates and the published problems they answer.
    """
    actions = with_timeline(newest_update_first(actions)).select_related("session")
    actions = actions.prefetch_related(
        Prefetch(
            "problems",
            queryset=Finding.objects.published().order_by("pk"),
            to_attr="public_problems",
        )
    )
    today = timezone.localdate()
    zone = timezone.get_default_timezone()
    for action in actions:
        latest = action.latest_update
        yield [
            action.pk,
            action.dialogue.slug,
            action.dialogue.start.astimezone(zone).date().isoformat(),
            action.session.slug if action.session else "",
            pick(action, "title", language)[0],
            pick(action, "description", language)[0],
            pick(action, "carried_by", language)[0],
            SEPARATOR.join(sorted(country.code for country in action.countries.all())),
            action.due_date.isoformat() if action.due_date else "",
            action.status,
            "yes" if action.is_overdue(today) else "",
            latest.date.isoformat() if latest else "",
            pick(latest, "note", language)[0] if latest else "",
            SEPARATOR.join(str(problem.pk) for problem in action.public_problems),
            url_base + action.get_absolute_url(),
        ]


def csv_bytes(actions, *, url_base: str, language: str = "en") -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(actions, url_base=url_base, language=language):
        writer.writerow([defuse(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue().encode()


# Its links name the host as the request did.
@page_cache(reads={"lang", *ActionFilter.base_filters}, absolute_links=True)
@require_safe
def export_actions(request):
    """The actions ``/actions/`` lists for the same filters, for everyone."""
    try:
        language = export_language(request.GET)
        actions = filtered_actions(request.GET or None)
    except ValidationError as error:
        return HttpResponseBadRequest(
            "\n".join(error.messages) + "\n", content_type="text/plain; charset=utf-8"
        )
    parts = [value for name in FILTER_PARAMS if (value := request.GET.get(name, "").strip())]
    response = HttpResponse(
        csv_bytes(actions, url_base=request.build_absolute_uri("/")[:-1], language=language),
        content_type="text/csv; charset=utf-8",
    )
    filename = filename_of(parts, prefix="actions")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

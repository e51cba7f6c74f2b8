"""The follow-up actions on the pages of other apps: ``{% load follow_up %}``.

The dialogue, session and country pages belong to ``findings``, which never
imports this app: their templates ask for the actions here, each with one
tag that costs a fixed number of queries, whatever the number of problems.
"""

from django import template

from dialogues.models import Dialogue

from ..models import Action
from ..views import with_timeline

register = template.Library()


@register.simple_tag
def dialogue_actions(dialogue):
    """The actions agreed at ``dialogue`` (which the page already showed to the reader),
    oldest first, each with its countries and updates: three queries, one when none."""
    return list(with_timeline(Action.objects.filter(dialogue=dialogue)).order_by("created", "pk"))


@register.simple_tag(takes_context=True)
def actions_answering(context, *, session=None, country=None):
    """``{finding id: [actions]}`` for the problems of ``session`` or of ``country``
    (published findings), counting only the actions the reader may see. One query."""
    links = Action.problems.through.objects.filter(
        action__dialogue__in=Dialogue.objects.visible_to(context["request"].user)
    )
    if session is not None:
        links = links.filter(finding__session=session)
    elif country is not None:
        links = links.filter(
            finding__country=country,
            finding__session__dialogue__in=Dialogue.objects.published(),
        )
    else:
        return {}
    answering = {}
    for link in links.select_related("action").order_by("action__created", "action_id"):
        answering.setdefault(link.finding_id, []).append(link.action)
    return answering


@register.filter
def answering_finding(answering, finding):
    """The actions of ``answering`` (from ``actions_answering``) that answer ``finding``."""
    return answering.get(finding.pk, [])

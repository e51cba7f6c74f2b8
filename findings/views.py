"""The public pages. Every one starts from what the reader may see:
``Dialogue.objects.visible_to(user)`` (published, or drafts for staff preview)."""

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, render

from dialogues.models import Dialogue, Session

from .enums import Kind
from .models import Finding


def _finding_counts(prefix: str) -> dict:
    """Annotations counting successes and problems through ``prefix`` (a path to findings)."""
    return {
        "success_count": Count(
            prefix, filter=Q(**{f"{prefix}__kind": Kind.SUCCESS}), distinct=True
        ),
        "problem_count": Count(
            prefix, filter=Q(**{f"{prefix}__kind": Kind.PROBLEM}), distinct=True
        ),
    }


def home(request):
    dialogues = (
        Dialogue.objects.published()
        .annotate(
            session_count=Count("sessions", distinct=True), **_finding_counts("sessions__findings")
        )
        .order_by("-start")
    )
    return render(request, "findings/home.html", {"dialogues": dialogues})


def dialogue_detail(request, slug):
    dialogue = get_object_or_404(
        Dialogue.objects.visible_to(request.user).prefetch_related("countries"), slug=slug
    )
    sessions = (
        Session.objects.filter(dialogue=dialogue)
        .annotate(**_finding_counts("findings"))
        .order_by("position")
    )
    overview = _country_overview(Finding.objects.filter(session__dialogue=dialogue))
    return render(
        request,
        "findings/dialogue_detail.html",
        {
            "dialogue": dialogue,
            "sessions": sessions,
            "overview": overview,
            "is_preview": not dialogue.is_published,
        },
    )


def _country_overview(findings):
    """Successes and problems per country, in one query, regional findings last."""
    return list(
        findings.values("country__code", "country__name", "country__name_ru")
        .annotate(
            success_count=Count("pk", filter=Q(kind=Kind.SUCCESS)),
            problem_count=Count("pk", filter=Q(kind=Kind.PROBLEM)),
        )
        .order_by(F("country__name").asc(nulls_last=True))
    )


def session_detail(request, dialogue_slug, slug):
    session = get_object_or_404(
        Session.objects.select_related("dialogue").filter(
            dialogue__in=Dialogue.objects.visible_to(request.user)
        ),
        dialogue__slug=dialogue_slug,
        slug=slug,
    )
    findings = session.findings.select_related("country").order_by(
        F("country__name").asc(nulls_last=True), "position"
    )
    groups = []
    for finding in findings:
        if not groups or groups[-1]["country"] != finding.country:
            groups.append({"country": finding.country, "successes": [], "problems": []})
        key = "successes" if finding.kind == Kind.SUCCESS else "problems"
        groups[-1][key].append(finding)
    siblings = session.dialogue.sessions.only("title", "slug", "position", "dialogue_id").order_by(
        "position"
    )
    return render(
        request,
        "findings/session_detail.html",
        {
            "session": session,
            "dialogue": session.dialogue,
            "groups": groups,
            "siblings": siblings,
            "is_preview": not session.dialogue.is_published,
        },
    )

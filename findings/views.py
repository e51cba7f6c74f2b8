"""The public pages. Every one starts from what the reader may see:
``Dialogue.objects.visible_to(user)`` (published, or drafts for staff preview)."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dialogues.content import localized
from dialogues.models import Country, Dialogue, Session
from i4c.limits import search_rate_limited
from i4c.pagecache import page_cache

from .enums import Kind
from .filters import FindingFilter, in_list_order
from .models import Finding, public_countries
from .search import add_snippets, ranked


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


@page_cache()
def home(request, template="findings/home.html"):
    dialogues = (
        Dialogue.objects.published()
        .annotate(
            session_count=Count("sessions", distinct=True), **_finding_counts("sessions__findings")
        )
        .order_by("-start")
    )
    return render(request, template, {"dialogues": dialogues})


@page_cache()
def dialogue_list(request):
    return home(request, template="findings/dialogue_list.html")


@page_cache()
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
    """Successes and problems per country, in one query, regional findings last.

    Each row also carries its country (None for regional findings), named in
    every content language, and the bar lengths (percent of the largest count)
    for the chart.
    """
    names = [f"country__name_{code}" for code in settings.CONTENT_LANGUAGES]
    rows = list(
        findings.values("country__code", *names)
        .annotate(
            success_count=Count("pk", filter=Q(kind=Kind.SUCCESS)),
            problem_count=Count("pk", filter=Q(kind=Kind.PROBLEM)),
        )
        .order_by(localized("country__name").asc(nulls_last=True), "country__code")
    )
    largest = max((max(r["success_count"], r["problem_count"]) for r in rows), default=0)
    for row in rows:
        row["country"] = (
            Country(code=row["country__code"], **{name[9:]: row[name] for name in names})
            if row["country__code"]
            else None
        )
        row["success_bar"] = round(100 * row["success_count"] / largest) if largest else 0
        row["problem_bar"] = round(100 * row["problem_count"] / largest) if largest else 0
    return rows


@page_cache()
def session_detail(request, dialogue_slug, slug):
    session = get_object_or_404(
        Session.objects.select_related("dialogue").filter(
            dialogue__in=Dialogue.objects.visible_to(request.user)
        ),
        dialogue__slug=dialogue_slug,
        slug=slug,
    )
    findings = session.findings.select_related("country").order_by(
        localized("country__name").asc(nulls_last=True), "country_id", "position"
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


PAGE_SIZE = 50


# Outside the rate limit: a search served from the cache costs nothing to count.
@page_cache(reads={"page", *FindingFilter.base_filters})
@search_rate_limited
def finding_list(request):
    """All published findings, filtered; bad filter values get a page that says so (400).

    A search lists its best matches first, each with the words found highlighted.
    """
    filterset = FindingFilter(request.GET or None)
    status = 200
    page_error = None
    searched = ""
    if filterset.is_bound and not filterset.is_valid():
        findings = Finding.objects.none()
        status = 400
    else:
        searched = request.GET.get("q", "").strip()
        findings = ranked(filterset.qs, searched) if searched else in_list_order(filterset.qs)
        findings = findings.select_related("session__dialogue", "country")
    paginator = Paginator(findings, PAGE_SIZE)
    page_number = request.GET.get("page", "1")
    try:
        page = paginator.page(page_number)
    except (PageNotAnInteger, EmptyPage):
        page = None
        page_error = _("There is no page %(page)s of these findings.") % {"page": page_number[:20]}
        status = 400
    if page is not None and searched:
        page.object_list = list(page.object_list)
        add_snippets(page.object_list, searched)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "findings/finding_list.html",
        {
            "filter": filterset,
            "page": page,
            "page_error": page_error,
            "query": query.urlencode(),
            "searched": searched,
            "search_limit": settings.I4C_SEARCH_MAX_RESULTS,
        },
        status=status,
    )


@page_cache()
def country_list(request):
    published = Q(findings__session__dialogue__in=Dialogue.objects.published())
    countries = (
        public_countries()
        .annotate(
            success_count=Count("findings", filter=published & Q(findings__kind=Kind.SUCCESS)),
            problem_count=Count("findings", filter=published & Q(findings__kind=Kind.PROBLEM)),
        )
        .order_by(localized("name"))
    )
    return render(request, "findings/country_list.html", {"countries": countries})


@page_cache()
def country_detail(request, code):
    if code != code.lower():
        return redirect("country_detail", code=code.lower(), permanent=True)
    country = get_object_or_404(public_countries(), code=code.upper())
    findings = (
        Finding.objects.published()
        .filter(country=country)
        .select_related("session__dialogue")
        # Grouped by dialogue and session below: the ids keep each group together.
        .order_by(
            "-session__dialogue__start",
            "session__dialogue_id",
            "session__position",
            "session_id",
            "-kind",
            "position",
        )
    )
    dialogues = []
    for finding in findings:
        session = finding.session
        if not dialogues or dialogues[-1]["dialogue"].pk != session.dialogue_id:
            dialogues.append({"dialogue": session.dialogue, "sessions": []})
        sessions = dialogues[-1]["sessions"]
        if not sessions or sessions[-1]["session"].pk != session.pk:
            sessions.append({"session": session, "successes": [], "problems": []})
        key = "successes" if finding.kind == Kind.SUCCESS else "problems"
        sessions[-1][key].append(finding)
    totals = {"successes": 0, "problems": 0}
    for entry in dialogues:
        for session in entry["sessions"]:
            totals["successes"] += len(session["successes"])
            totals["problems"] += len(session["problems"])
    return render(
        request,
        "findings/country_detail.html",
        {"country": country, "dialogues": dialogues, "totals": totals},
    )


@page_cache(absolute_links=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        # The admin's real path (DJANGO_ADMIN_URL) is not named here: this file is public.
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

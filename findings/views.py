"""The public pages. Every one starts from what the reader may see:
``Dialogue.objects.visible_to(user)`` (published, or drafts for staff preview)."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from dialogues.content import localized
from dialogues.models import Country, Dialogue, Session
from i4c.limits import search_rate_limited
from i4c.pagecache import page_cache

from .enums import Kind
from .filters import FindingFilter
from .lists import CappedPaginator, ListPaginator, list_sizes, on_theme, theme_list_sizes
from .models import Finding, ListSize, public_countries
from .search import add_snippets, ranked


def _finding_counts(**lookups) -> dict:
    """Annotations summing successes and problems from the list sizes matching ``lookups``
    (``OuterRef`` to the row): subqueries, so the rows are never multiplied by a join."""
    sizes = ListSize.objects.filter(**lookups).order_by().values("kind")
    return {
        f"{name}_count": Coalesce(
            Subquery(sizes.filter(kind=kind).annotate(n=Sum("count")).values("n")), 0
        )
        for name, kind in (("success", Kind.SUCCESS), ("problem", Kind.PROBLEM))
    }


# The home page shows the newest dialogues; the list of dialogues pages through all.
HOME_DIALOGUES = 6
DIALOGUES_PER_PAGE = 20


def _with_counts(dialogues):
    """``dialogues`` (a list) each with its successes and problems, read in one pass
    over their list sizes."""
    counts = {
        (row["session__dialogue_id"], row["kind"]): row["n"]
        for row in ListSize.objects.filter(session__dialogue__in=[d.pk for d in dialogues])
        .values("session__dialogue_id", "kind")
        .annotate(n=Sum("count"))
        .order_by()
    }
    for dialogue in dialogues:
        dialogue.success_count = counts.get((dialogue.pk, Kind.SUCCESS), 0)
        dialogue.problem_count = counts.get((dialogue.pk, Kind.PROBLEM), 0)
    return dialogues


def _newest_dialogues():
    # Sessions counted by a subquery, run for the rows shown only: the paginator's count
    # then reads the dialogues alone, not every dialogue joined to its sessions.
    sessions = (
        Session.objects.filter(dialogue=OuterRef("pk"))
        .order_by()
        .values("dialogue")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Dialogue.objects.published()
        # What a card shows: not the summaries, the longest texts of the row.
        .only("title", "slug", "start", "format")
        .annotate(session_count=Coalesce(Subquery(sessions), 0))
        .order_by("-start", "-pk")
    )


@page_cache()
def home(request):
    # One more than shown: whether there are others to link to costs no count.
    dialogues = list(_newest_dialogues()[: HOME_DIALOGUES + 1])
    return render(
        request,
        "findings/home.html",
        {
            "dialogues": _with_counts(dialogues[:HOME_DIALOGUES]),
            "more_dialogues": len(dialogues) > HOME_DIALOGUES,
        },
    )


@page_cache(reads={"page"})
def dialogue_list(request):
    page = _page(Paginator(_newest_dialogues(), DIALOGUES_PER_PAGE), request)
    page.object_list = _with_counts(list(page.object_list))
    return render(
        request, "findings/dialogue_list.html", {"dialogues": page.object_list, "page": page}
    )


@page_cache()
def dialogue_detail(request, slug):
    dialogue = get_object_or_404(
        Dialogue.objects.visible_to(request.user).prefetch_related("countries"), slug=slug
    )
    sessions = (
        Session.objects.filter(dialogue=dialogue)
        .annotate(**_finding_counts(session=OuterRef("pk")))
        .order_by("position")
    )
    overview = _country_overview(ListSize.objects.filter(session__dialogue=dialogue))
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


def _country_overview(sizes):
    """Successes and problems per country, in one query, regional findings last.

    Each row also carries its country (None for regional findings), named in
    every content language, and the bar lengths (percent of the largest count)
    for the chart. Read from the list sizes (``sizes``).
    """
    names = [f"country__name_{code}" for code in settings.CONTENT_LANGUAGES]
    rows = [
        row
        for row in sizes.values("country__code", *names)
        .annotate(
            success_count=Coalesce(Sum("count", filter=Q(kind=Kind.SUCCESS)), 0),
            problem_count=Coalesce(Sum("count", filter=Q(kind=Kind.PROBLEM)), 0),
        )
        .order_by(localized("country__name").asc(nulls_last=True), "country__code")
        if row["success_count"] or row["problem_count"]
    ]
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


def _page(paginator, request):
    """The page the address asks for; anything but a page that exists is 404."""
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except (PageNotAnInteger, EmptyPage) as error:
        raise Http404 from error


# A session, or a country, with more findings than this is shown page by page.
LONG_PAGE_SIZE = 300


def _countries_of(sizes: list[dict]) -> dict:
    """The countries named in rows of ``list_sizes(..., *COUNTRY_FIELDS)``, by id: no query."""
    names = [f"country__name_{code}" for code in settings.CONTENT_LANGUAGES]
    return {
        row["country_id"]: Country(
            pk=row["country_id"],
            code=row["country__code"],
            **{name[9:]: row[name] for name in names},
        )
        for row in sizes
        if row["country_id"]
    }


def _country_fields() -> list[str]:
    return ["country__code", *(f"country__name_{code}" for code in settings.CONTENT_LANGUAGES)]


# Long sessions and countries are shown page by page.
@page_cache(reads={"page"})
def session_detail(request, dialogue_slug, slug):
    session = get_object_or_404(
        Session.objects.select_related("dialogue").filter(
            dialogue__in=Dialogue.objects.visible_to(request.user)
        ),
        dialogue__slug=dialogue_slug,
        slug=slug,
    )
    # The session's own lists, also when it is a draft previewed by the Board.
    sizes = list_sizes(ListSize.objects.filter(session=session), *_country_fields())
    countries = _countries_of(sizes)
    paginator = ListPaginator(sizes, LONG_PAGE_SIZE, select_related=())
    page = _page(paginator, request)
    counts = {(row["country_id"], row["kind"]): row["count"] for row in sizes}
    groups = []
    for finding in page.object_list:
        finding.session = session
        country = countries.get(finding.country_id)
        if not groups or groups[-1]["country"] != country:
            groups.append(
                {
                    "country": country,
                    "successes": [],
                    "problems": [],
                    # The whole lists' sizes: a page may hold part of a list.
                    "success_count": counts.get((finding.country_id, Kind.SUCCESS), 0),
                    "problem_count": counts.get((finding.country_id, Kind.PROBLEM), 0),
                }
            )
        key = "successes" if finding.kind == Kind.SUCCESS else "problems"
        groups[-1][key].append(finding)
    # Every country of the session, with the page its findings start on.
    jump, seen = [], 0
    for row in sizes:
        country = countries.get(row["country_id"])
        if not jump or jump[-1]["country"] != country:
            jump.append({"country": country, "page": seen // LONG_PAGE_SIZE + 1})
        seen += row["count"]
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
            "jump": jump,
            "page": page,
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
    searched = ""
    if filterset.is_bound and not filterset.is_valid():
        paginator = Paginator(Finding.objects.none(), PAGE_SIZE)
        status = 400
    elif (by_lists := _lists_filtered(filterset)) is not None:
        sizes = list_sizes(by_lists)
        theme = filterset.form.cleaned_data.get("theme") if filterset.is_bound else None
        if theme:
            paginator = ListPaginator(
                theme_list_sizes(sizes, theme), PAGE_SIZE, match=on_theme(theme)
            )
        else:
            paginator = ListPaginator(sizes, PAGE_SIZE)
    else:
        searched = request.GET.get("q", "").strip()
        findings = ranked(filterset.unsearched(), searched).select_related(
            "session__dialogue", "country"
        )
        paginator = CappedPaginator(findings, PAGE_SIZE)
    page = _page(paginator, request) if status == 200 else paginator.page(1)
    if searched:
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
            "query": query.urlencode(),
            "searched": searched,
            "search_limit": settings.I4C_SEARCH_MAX_RESULTS,
        },
        status=status,
    )


def _lists_filtered(filterset):
    """The published list sizes the filters keep (dialogue, session, country, kind; a
    theme is counted per list apart); None for a search, which reads the texts."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    if (data.get("q") or "").strip():
        return None
    sizes = ListSize.objects.published()
    if data.get("dialogue"):
        sizes = sizes.filter(session__dialogue=data["dialogue"])
    if data.get("session"):
        sizes = sizes.filter(session=data["session"])
    if data.get("country"):
        sizes = sizes.filter(country=data["country"])
    if data.get("kind"):
        sizes = sizes.filter(kind=data["kind"])
    return sizes


@page_cache()
def country_list(request):
    countries = (
        public_countries()
        .annotate(
            **_finding_counts(
                country=OuterRef("pk"), session__dialogue__in=Dialogue.objects.published()
            )
        )
        .order_by(localized("name"))
    )
    return render(request, "findings/country_list.html", {"countries": countries})


@page_cache(reads={"page"})
def country_detail(request, code):
    if code != code.lower():
        return redirect("country_detail", code=code.lower(), permanent=True)
    country = get_object_or_404(public_countries(), code=code.upper())
    sizes = list_sizes(ListSize.objects.published().filter(country=country))
    page = _page(ListPaginator(sizes, LONG_PAGE_SIZE), request)
    counts = {(row["session_id"], row["kind"]): row["count"] for row in sizes}
    dialogues = []
    for finding in page.object_list:
        session = finding.session
        if not dialogues or dialogues[-1]["dialogue"].pk != session.dialogue_id:
            dialogues.append({"dialogue": session.dialogue, "sessions": []})
        sessions = dialogues[-1]["sessions"]
        if not sessions or sessions[-1]["session"].pk != session.pk:
            sessions.append(
                {
                    "session": session,
                    "successes": [],
                    "problems": [],
                    "success_count": counts.get((session.pk, Kind.SUCCESS), 0),
                    "problem_count": counts.get((session.pk, Kind.PROBLEM), 0),
                }
            )
        key = "successes" if finding.kind == Kind.SUCCESS else "problems"
        sessions[-1][key].append(finding)
    totals = {"successes": 0, "problems": 0}
    for row in sizes:
        totals["successes" if row["kind"] == Kind.SUCCESS else "problems"] += row["count"]
    return render(
        request,
        "findings/country_detail.html",
        {"country": country, "dialogues": dialogues, "totals": totals, "page": page},
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

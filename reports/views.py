"""The dialogue's report: a printable page, a Word document and a PDF, in the
reader's language (or ``?lang=``), findings run-in or as lists (``?style=``).

Every form starts from ``Dialogue.objects.visible_to(user)``: a draft's report
is 404 to the public, and a preview marked “Draft” for the Board.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dialogues.content import content_language
from dialogues.models import Dialogue
from i4c.pagecache import page_cache

from . import cache
from .content import RUN_IN, STYLES, build_report, report_dialogues
from .docx import render_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BadReportRequest(Exception):
    """A parameter the report cannot use; the message says which and what it takes."""


def _options(params) -> tuple[str, str, str]:
    """(style, language, the ``lang`` asked for or "") from the query; raises
    ``BadReportRequest`` for a value the report does not know."""
    style = params.get("style", RUN_IN)
    if style not in STYLES:
        raise BadReportRequest(
            _("There is no report style “%(style)s”: choose one of %(styles)s.")
            % {"style": style[:40], "styles": ", ".join(STYLES)}
        )
    lang = params.get("lang", "")
    if lang and lang not in settings.CONTENT_LANGUAGES:
        raise BadReportRequest(
            _("Language: choose one of %(languages)s.")
            % {"languages": ", ".join(settings.CONTENT_LANGUAGES)}
        )
    return style, lang or content_language(), lang


def _bad_request(request, error: BadReportRequest):
    return render(request, "reports/bad_request.html", {"message": str(error)}, status=400)


def _dialogue(request, slug) -> Dialogue:
    dialogue = report_dialogues(Dialogue.objects.visible_to(request.user)).filter(slug=slug).first()
    if dialogue is None:
        raise Http404
    return dialogue


def _file_name(dialogue: Dialogue, language: str, extension: str) -> str:
    # Slugs are ASCII letters, digits and hyphens: safe in a header as they are.
    return f"{dialogue.slug}-report-{language}.{extension}"


def _query(style: str, lang: str) -> str:
    params = {key: value for key, value in (("style", style), ("lang", lang)) if value}
    if params.get("style") == RUN_IN:
        del params["style"]
    return f"?{urlencode(params)}" if params else ""


@page_cache(reads={"style", "lang"})
@require_safe
def report_page(request, slug):
    try:
        style, language, lang = _options(request.GET)
    except BadReportRequest as error:
        return _bad_request(request, error)
    with translation.override(language):
        dialogue = _dialogue(request, slug)
        report = build_report(dialogue)
        query = _query(style, lang)
        return render(
            request,
            "reports/report.html",
            {
                "report": report,
                "dialogue": dialogue,
                "style": style,
                "styles": list(STYLES.items()),
                "lang": lang,
                "docx_url": reverse("dialogue_report_docx", kwargs={"slug": slug}) + query,
                "pdf_url": reverse("dialogue_report_pdf", kwargs={"slug": slug}) + query,
                "is_preview": report.is_draft,
            },
        )


@page_cache(reads={"style", "lang"})
@require_safe
def report_docx(request, slug):
    try:
        style, language, _lang = _options(request.GET)
    except BadReportRequest as error:
        return _bad_request(request, error)
    with translation.override(language):
        dialogue = _dialogue(request, slug)
        content = render_docx(build_report(dialogue), style=style, language=language)
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_name(dialogue, language, "docx")}"'
    )
    return response


@page_cache(reads={"style", "lang"})
@require_safe
def report_pdf(request, slug):
    try:
        style, language, _lang = _options(request.GET)
    except BadReportRequest as error:
        return _bad_request(request, error)
    with translation.override(language):
        dialogue = _dialogue(request, slug)

        def render_pdf() -> bytes:
            from .pdf import html_to_pdf

            report = build_report(dialogue)
            html = render_to_string(
                "reports/report_pdf.html",
                {"report": report, "dialogue": dialogue, "style": style, "language": language},
            )
            return html_to_pdf(html)

        if dialogue.is_published:
            content = cache.cached(f"report-pdf:{slug}:{language}:{style}", render_pdf)
        else:
            # A draft's preview is made afresh each time and never stored.
            content = render_pdf()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_file_name(dialogue, language, "pdf")}"'
    return response

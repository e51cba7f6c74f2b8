"""The admin page "Add findings from notes" of a session.

Registered by ``SessionAdmin.get_urls`` (findings/admin.py) as
``admin:dialogues_session_notes``.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dialogues.models import Country

from .enums import Kind
from .notes import NotesError, parse_notes, plan_findings, save_findings


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One country per line, like “Kazakhstan: 1) …; 2) …”, or one item per line "
            "after a “Kazakhstan:” line. Countries may be named in English or Russian, or "
            "by their code (KZ). A heading that says “problems” or “successes” sets the "
            "kind of the lines after it."
        ),
    )
    default_kind = forms.ChoiceField(
        label=gettext_lazy("Kind before the first heading"),
        choices=Kind.choices,
        initial=Kind.SUCCESS,
    )


def add_findings_from_notes(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """Preview the findings pasted notes would give, then save all of them or none."""
    if not request.user.has_perm("findings.add_finding"):
        raise PermissionDenied
    session = model_admin.get_object(request, unquote(object_id))
    if session is None:
        raise Http404(_("No session with this ID."))
    if not model_admin.has_change_permission(request, session):
        raise PermissionDenied
    opts = model_admin.model._meta
    change_url = reverse(
        f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
        args=[session.pk],
    )

    result = None
    preview = []
    form = NotesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notes, kind = form.cleaned_data["notes"], form.cleaned_data["default_kind"]
        if "_save" in request.POST:
            try:
                created = save_findings(
                    session=session, text=notes, default_kind=kind, user=request.user
                )
            except NotesError as error:
                result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
                if not result.problems:
                    # The notes were fine but a finding was refused while saving.
                    result.problems = error.problems
            else:
                messages.success(
                    request,
                    ngettext(
                        "Added %(count)s finding from the notes.",
                        "Added %(count)s findings from the notes.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
                return HttpResponseRedirect(change_url)
        else:
            result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
        findings = plan_findings(session=session, result=result)
        preview = list(zip(findings, result.items, strict=True))

    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Add findings from notes"),
        "subtitle": str(session),
        "opts": opts,
        "original": session,
        "change_url": change_url,
        "form": form,
        "result": result,
        "preview": preview,
        "has_view_permission": model_admin.has_view_permission(request, session),
    }
    return TemplateResponse(request, "admin/findings/session_notes.html", context)

"""The admin page "Add findings from notes" of a session.

Registered by ``SessionAdmin.get_urls`` (findings/admin.py) as
``admin:dialogues_session_notes``.

Save works only on notes that were previewed as they stand: the preview puts a
digest of the notes (with the session and the kind) in the form, and a save whose
notes do not match it is refused and previewed again, so nobody saves findings they
have not seen.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dialogues.models import Country, Session

from .enums import Kind
from .notes import NotesError, NotesPlan, parse_notes, plan_notes, save_findings


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One country per line, like “Kazakhstan: 1) …; 2) …” or “Mongolia – 1) …”, or "
            "one item per line (“1) …” or “1. …”) after a “Kazakhstan:” line; an item "
            "wrapped over several lines is read as one. Countries may be named in English or "
            "Russian, or by their code (KZ). A heading that says “problems” or “successes” "
            "sets the kind of the lines after it."
        ),
    )
    default_kind = forms.ChoiceField(
        label=gettext_lazy("Kind before the first heading"),
        choices=Kind.choices,
        initial=Kind.SUCCESS,
    )
    # The digest of the notes last previewed: see the module's docstring.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
    add_duplicates = forms.BooleanField(
        label=gettext_lazy("Add them anyway"),
        required=False,
        help_text=gettext_lazy("Left unticked, the items already in their lists are skipped."),
    )
    add_countries = forms.BooleanField(required=False)

    def digest(self, session: Session) -> str:
        """What the preview shows depends on these: the session, the kind and the notes."""
        notes = "\n".join(self.cleaned_data["notes"].splitlines())
        value = f"{session.pk}\n{self.cleaned_data['default_kind']}\n{notes}"
        return salted_hmac("findings.admin_notes.previewed", value, algorithm="sha256").hexdigest()

    def matches_preview(self, session: Session) -> bool:
        return constant_time_compare(self.cleaned_data["previewed"], self.digest(session))


def _saved_message(saved) -> str:
    count = len(saved.created)
    message = ngettext(
        "Added %(count)s finding from the notes.", "Added %(count)s findings from the notes.", count
    ) % {"count": count}
    if saved.skipped:
        skipped = len(saved.skipped)
        message += " " + ngettext(
            "Skipped %(count)s item already in its list.",
            "Skipped %(count)s items already in their lists.",
            skipped,
        ) % {"count": skipped}
    if saved.countries_added:
        names = ", ".join(country.display_name for country in saved.countries_added)
        message += " " + ngettext(
            "Added %(countries)s to the dialogue's participating countries.",
            "Added %(countries)s to the dialogue's participating countries.",
            len(saved.countries_added),
        ) % {"countries": names}
    return message


def add_findings_from_notes(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """Preview the findings pasted notes would give, then save what the preview showed."""
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
    plan: NotesPlan | None = None
    not_previewed = False
    form = NotesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notes, kind = form.cleaned_data["notes"], form.cleaned_data["default_kind"]
        add_duplicates = form.cleaned_data["add_duplicates"]
        if "_save" in request.POST and form.matches_preview(session):
            try:
                saved = save_findings(
                    session=session,
                    text=notes,
                    default_kind=kind,
                    user=request.user,
                    add_duplicates=add_duplicates,
                    # Adding countries changes the dialogue: it takes that permission.
                    add_countries=form.cleaned_data["add_countries"]
                    and request.user.has_perm("dialogues.change_dialogue"),
                )
            except NotesError as error:
                result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
                if not result.problems:
                    # The notes were fine but a finding was refused while saving.
                    result.problems = error.problems
            else:
                messages.success(request, _saved_message(saved))
                return HttpResponseRedirect(change_url)
        else:
            not_previewed = "_save" in request.POST
            result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
        plan = plan_notes(session=session, result=result, add_duplicates=add_duplicates)
        # The page now shows the preview of these notes: they may be saved as they stand.
        data = request.POST.copy()
        data["previewed"] = form.digest(session)
        form = NotesForm(data)
        form.is_valid()

    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Add findings from notes"),
        "subtitle": str(session),
        "opts": opts,
        "original": session,
        "change_url": change_url,
        "form": form,
        "result": result,
        "plan": plan,
        "preview": plan.items if plan else [],
        "not_previewed": not_previewed,
        "can_save": bool(plan and plan.items and not result.problems),
        "has_view_permission": model_admin.has_view_permission(request, session),
    }
    return TemplateResponse(request, "admin/findings/session_notes.html", context)

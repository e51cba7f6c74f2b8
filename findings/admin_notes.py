"""The admin pages "Add findings from notes" and "Add translations from notes" of a
session.

Registered by ``SessionAdmin.get_urls`` (findings/admin.py) as
``admin:dialogues_session_notes`` and ``admin:dialogues_session_translations``.

Save works only on notes that were previewed as they stand: the preview puts a
digest of the notes (with the session, the kind, the language and the options that
change what is saved) in the form, and a save whose notes do not match it is refused
and previewed again, so nobody saves what they have not seen.
"""

from django import forms
from django.conf import settings
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
from .notes import (
    NotesError,
    NotesPlan,
    in_another_alphabet,
    parse_notes,
    plan_notes,
    save_findings,
)
from .notes_translations import TranslationPlan, plan_translations, save_translations


def language_choices() -> list[tuple[str, str]]:
    """The content languages, English first, by their names in the reader's language."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in settings.CONTENT_LANGUAGES]


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES)[code])


class NotesForm(forms.Form):
    # The digest's salt, and the fields the preview depends on besides the notes.
    digest_salt = "findings.admin_notes.previewed"
    digest_fields = ("default_kind", "language")

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
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=language_choices,
        help_text=gettext_lazy(
            "The findings get their text in this language only. In another language than "
            "English, they have no English text until it is added."
        ),
    )
    # The digest of the notes last previewed: see the module's docstring.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)
    add_duplicates = forms.BooleanField(
        label=gettext_lazy("Add them anyway"),
        required=False,
        help_text=gettext_lazy("Left unticked, the items already in their lists are skipped."),
    )
    add_countries = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = settings.CONTENT_LANGUAGES[0]

    def digest(self, session: Session) -> str:
        """What the preview shows depends on these: the session, the notes and the
        ``digest_fields``."""
        notes = "\n".join(self.cleaned_data["notes"].splitlines())
        values = [str(self.cleaned_data[name]) for name in self.digest_fields]
        value = "\n".join([str(session.pk), *values, notes])
        return salted_hmac(self.digest_salt, value, algorithm="sha256").hexdigest()

    def matches_preview(self, session: Session) -> bool:
        return constant_time_compare(self.cleaned_data["previewed"], self.digest(session))


def _saved_message(saved, language: str) -> str:
    count = len(saved.created)
    message = ngettext(
        "Added %(count)s finding from the notes.", "Added %(count)s findings from the notes.", count
    ) % {"count": count}
    default_language = settings.CONTENT_LANGUAGES[0]
    if count and language != default_language:
        message += " " + ngettext(
            "It is in %(language)s only: add its %(default)s text with “Add translations from "
            "notes”, or on its page.",
            "They are in %(language)s only: add their %(default)s text with “Add translations "
            "from notes”, or on their pages.",
            count,
        ) % {"language": language_name(language), "default": language_name(default_language)}
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


def _session_page(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str, permission: str
) -> tuple[Session, str]:
    """The session of the page and the address of its change page; 403 without
    ``permission`` or the permission to change the session, 404 for no such session."""
    if not request.user.has_perm(permission):
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
    return session, change_url


def add_findings_from_notes(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """Preview the findings pasted notes would give, then save what the preview showed."""
    session, change_url = _session_page(model_admin, request, object_id, "findings.add_finding")
    result = None
    plan: NotesPlan | None = None
    not_previewed = False
    form = NotesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notes, kind = form.cleaned_data["notes"], form.cleaned_data["default_kind"]
        add_duplicates = form.cleaned_data["add_duplicates"]
        language = form.cleaned_data["language"]
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
                    language=language,
                )
            except NotesError as error:
                result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
                if not result.problems:
                    # The notes were fine but a finding was refused while saving.
                    result.problems = error.problems
            else:
                messages.success(request, _saved_message(saved, language))
                return HttpResponseRedirect(change_url)
        else:
            not_previewed = "_save" in request.POST
            result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
        plan = plan_notes(
            session=session, result=result, add_duplicates=add_duplicates, language=language
        )
        # The page now shows the preview of these notes: they may be saved as they stand.
        data = request.POST.copy()
        data["previewed"] = form.digest(session)
        form = NotesForm(data)
        form.is_valid()

    opts = model_admin.model._meta
    default_language = settings.CONTENT_LANGUAGES[0]
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
        "notes_language": plan.language if plan else default_language,
        "notes_language_name": language_name(plan.language if plan else default_language),
        "default_language_name": language_name(default_language),
        "without_default_language": bool(plan and plan.language != default_language),
        "other_alphabet": in_another_alphabet(result.items, plan.language) if plan else [],
    }
    return TemplateResponse(request, "admin/findings/session_notes.html", context)


class TranslationsForm(NotesForm):
    """The notes of a session in another language: the translations of its findings."""

    digest_salt = "findings.admin_notes.translations"
    digest_fields = ("default_kind", "language", "replace")

    add_duplicates = None
    add_countries = None
    replace = forms.BooleanField(
        label=gettext_lazy("Replace existing translations"),
        required=False,
        help_text=gettext_lazy(
            "Left unticked, a finding that already has another text in this language is a "
            "problem, and nothing is saved."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        language.help_text = gettext_lazy(
            "The language the notes are written in: each item becomes the text in this "
            "language of the finding with the same country, kind and number."
        )
        # Translations are most often into a language other than the first (English).
        language.initial = next(
            (code for code, _name in language.choices if code != settings.CONTENT_LANGUAGES[0]),
            settings.CONTENT_LANGUAGES[0],
        )


def _translations_message(saved, language: str) -> str:
    values = {"language": language_name(language)}
    added, replaced = len(saved.added), len(saved.replaced)
    message = ngettext(
        "Added %(count)s translation into %(language)s from the notes.",
        "Added %(count)s translations into %(language)s from the notes.",
        added,
    ) % {**values, "count": added}
    if replaced:
        message += " " + ngettext(
            "Replaced %(count)s existing translation.",
            "Replaced %(count)s existing translations.",
            replaced,
        ) % {"count": replaced}
    return message


def add_translations_from_notes(
    model_admin: ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """Preview the pairs of findings and items of notes in another language, then save
    the translations the preview showed."""
    session, change_url = _session_page(model_admin, request, object_id, "findings.change_finding")
    plan: TranslationPlan | None = None
    not_previewed = False
    form = TranslationsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notes, kind = form.cleaned_data["notes"], form.cleaned_data["default_kind"]
        language, replace = form.cleaned_data["language"], form.cleaned_data["replace"]
        failed = []
        if "_save" in request.POST and form.matches_preview(session):
            try:
                saved = save_translations(
                    session=session,
                    text=notes,
                    default_kind=kind,
                    language=language,
                    replace=replace,
                    user=request.user,
                )
            except NotesError as error:
                failed = error.problems
            else:
                messages.success(request, _translations_message(saved, language))
                return HttpResponseRedirect(change_url)
        else:
            not_previewed = "_save" in request.POST
        result = parse_notes(notes, countries=Country.objects.all(), default_kind=kind)
        plan = plan_translations(session=session, result=result, language=language, replace=replace)
        if failed and not plan.problems:
            # The pairs were fine but a translation was refused while saving.
            plan.problems = failed
        data = request.POST.copy()
        data["previewed"] = form.digest(session)
        form = TranslationsForm(data)
        form.is_valid()

    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Add translations from notes"),
        "subtitle": str(session),
        "opts": model_admin.model._meta,
        "original": session,
        "change_url": change_url,
        "form": form,
        "plan": plan,
        "not_previewed": not_previewed,
        "can_save": bool(plan and plan.changes and not plan.problems),
        "has_view_permission": model_admin.has_view_permission(request, session),
        "notes_language": plan.language if plan else "",
        "notes_language_name": language_name(plan.language) if plan else "",
    }
    return TemplateResponse(request, "admin/findings/session_translations.html", context)

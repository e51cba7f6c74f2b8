"""A finding's history in the admin: back to an earlier version, back from deletion.

django-reversion restores the whole revision a version belongs to, as it was: the
finding's old number (which another finding may have taken since, so the database
refuses it: "missing dependency"), and every other finding saved in the same revision
(a whole paste of notes, a CSV import) along with it, bringing back those deleted
since. Here only the one finding changes: it gets its old number when that is free,
else it keeps its number (an earlier version) or goes to the end of its list
(a recovery).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from reversion.models import Version
from reversion.revisions import set_comment

from dialogues.models import Country, Session, Theme

from .enums import Kind
from .models import Finding


class RecoveryRefused(Exception):
    """The finding cannot come back as it was; the message says what to do first."""


@dataclass
class Recovery:
    """A deleted finding put back for the recover form: where it was, where it goes."""

    finding: Finding
    old_position: int

    @property
    def moved(self) -> bool:
        return self.finding.position != self.old_position


def list_name(country, kind) -> str:
    """The numbered list a finding belongs to, as a sentence names it."""
    if country is None:
        if kind == Kind.PROBLEM:
            return gettext("regional problems")
        return gettext("regional successes")
    if kind == Kind.PROBLEM:
        return gettext("%(country)s problems") % {"country": country.display_name}
    return gettext("%(country)s successes") % {"country": country.display_name}


def texts_of(fields) -> dict:
    """The finding's text in every content language, as a version recorded it.

    A version saved before the texts had a column per language has the English
    text in ``text`` only.
    """
    texts = {f"text_{code}": fields.get(f"text_{code}") for code in settings.CONTENT_LANGUAGES}
    # Only when no language has a text: a finding entered in Russian has no English text,
    # and its ``text`` (the Russian one) must not become it.
    if not any(texts.values()):
        texts["text_en"] = fields.get("text", "")
    return texts


def put_back(version) -> Recovery:
    """Save the deleted finding of ``version`` again (with its id, text and themes).

    At its old number when that is free, else after the last item of its list. Its
    session and country must still exist; themes deleted since are left out.
    """
    fields = version.field_dict
    session = Session.objects.filter(pk=fields["session_id"]).first()
    if session is None:
        raise RecoveryRefused(
            gettext(
                "The finding's session has been deleted since. Recover the session first "
                "(Sessions, Recover deleted sessions), then the finding."
            )
        )
    country = None
    if fields["country_id"] is not None:
        country = Country.objects.filter(pk=fields["country_id"]).first()
        if country is None:
            raise RecoveryRefused(
                gettext("The finding's country has been deleted since. Add the country first.")
            )
    where = {"session_id": session.pk, "country_id": fields["country_id"], "kind": fields["kind"]}
    position = fields["position"]
    if Finding.objects.in_list(**where).filter(position=position).exists():
        position = Finding.objects.next_position(**where)
    finding = Finding(
        pk=Finding._meta.pk.to_python(version.object_id),
        session=session,
        country=country,
        kind=fields["kind"],
        position=position,
        **texts_of(fields),
    )
    finding.save(force_insert=True)
    # Saving stamps "created" with the present moment; the finding was created before.
    Finding.objects.filter(pk=finding.pk).update(created=fields["created"])
    finding.themes.set(Theme.objects.filter(pk__in=fields.get("themes", [])))
    return Recovery(finding=finding, old_position=fields["position"])


def go_back(finding, version) -> int | None:
    """Give ``finding`` the fields of ``version``, one of its earlier versions, and save it.

    Its old session or country, if deleted since, stays as it is now. Returns the old
    number when another finding has it now: the finding then keeps its number (or goes
    to the end of the list it goes back to).
    """
    fields = version.field_dict
    if Session.objects.filter(pk=fields["session_id"]).exists():
        finding.session_id = fields["session_id"]
    if fields["country_id"] is None or Country.objects.filter(pk=fields["country_id"]).exists():
        finding.country_id = fields["country_id"]
    finding.kind = fields["kind"]
    for name, text in texts_of(fields).items():
        setattr(finding, name, text)
    where = {
        "session_id": finding.session_id,
        "country_id": finding.country_id,
        "kind": finding.kind,
    }
    others = Finding.objects.in_list(**where).exclude(pk=finding.pk)
    taken = None
    if not others.filter(position=fields["position"]).exists():
        finding.position = fields["position"]
    else:
        taken = fields["position"]
        if others.filter(position=finding.position).exists():
            finding.position = others.next_position(**where)
    finding.save()
    finding.themes.set(Theme.objects.filter(pk__in=fields.get("themes", [])))
    return taken


class _Undo(Exception):
    """Leaves the recover form's transaction, undoing the finding put back to show it."""

    def __init__(self, response):
        self.response = response


class FindingHistoryMixin:
    """The revision and recover views of the findings admin (a VersionAdmin)."""

    recover_list_template = "admin/findings/finding/recover_list.html"
    recover_form_template = "admin/findings/finding/recover_form.html"
    revision_form_template = "admin/findings/finding/revision_form.html"

    def recoverlist_view(self, request, extra_context=None):
        # Checked here too (django-reversion checks after the context is built), so that
        # someone who may not recover costs no reading of the deleted findings.
        if not (self.has_change_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        context = {"rows": deleted_findings(), **(extra_context or {})}
        return super().recoverlist_view(request, context)

    def recover_view(self, request, version_id, extra_context=None):
        """The finding as it was, in its change form; saving the form brings it back."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # Only what the recover list offers: the last version of a finding now deleted.
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)

        def put_it_back():
            try:
                recovery = put_back(version)
            except RecoveryRefused as refused:
                messages.error(request, str(refused))
                raise _Undo(redirect(self._recoverlist_url())) from refused
            request.finding_recovery = recovery
            return recovery.finding, {
                "recovery": recovery,
                "list_name": list_name(recovery.finding.country, recovery.finding.kind),
            }

        context = {
            "title": gettext("Recover %(name)s") % {"name": version.object_repr},
            "recover": True,
            **(extra_context or {}),
        }
        return self._on_trial(request, put_it_back, self.recover_form_template, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """The finding as it was in an earlier version; saving the form restores it."""
        versions = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        version = get_object_or_404(versions, pk=version_id)
        finding = get_object_or_404(self.model, pk=version.object_id)

        def take_it_back():
            taken = go_back(finding, version)
            values = {
                "old": taken,
                "number": finding.position,
                "list": list_name(finding.country, finding.kind),
            }
            return finding, {"taken_number": values if taken else None}

        context = {
            "title": gettext("Revert %(name)s") % {"name": version.object_repr},
            "revert": True,
            **(extra_context or {}),
        }
        request.finding_revert = version
        return self._on_trial(request, take_it_back, self.revision_form_template, context)

    def _on_trial(self, request, change, template, context):
        """The change form of the finding that ``change()`` saves, kept only if the form is
        saved: otherwise the transaction is undone, as django-reversion's own forms do."""
        request.finding_saved = False
        try:
            with transaction.atomic(), self.create_revision(request):
                finding, more = change()
                response = self.changeform_view(
                    request, quote(str(finding.pk)), request.path, {**context, **more}
                )
                if request.finding_saved:
                    return response
                if response.status_code == 200:
                    response.template_name = template
                    response.render()  # now, while the finding is there
                raise _Undo(response)
        except _Undo as undo:
            return undo.response

    def log_change(self, request, obj, message):
        recovery = getattr(request, "finding_recovery", None)
        if recovery is None:
            return super().log_change(request, obj, message)
        # Recorded as an addition (the finding exists again), and as the revision's comment.
        text = self.recovered_message(obj, recovery)
        entry = self.log_addition(request, obj, text)
        set_comment(text)
        return entry

    def response_change(self, request, obj):
        # Called once the form is saved (not when it shows errors, or the database refused).
        request.finding_saved = True
        recovery = getattr(request, "finding_recovery", None)
        if recovery is None:
            version = getattr(request, "finding_revert", None)
            if version is not None:
                set_comment(
                    gettext("Reverted to previous version, saved on %(datetime)s")
                    % {"datetime": localize(template_localtime(version.revision.date_created))}
                )
            return super().response_change(request, obj)
        self.message_user(request, self.recovered_message(obj, recovery), messages.SUCCESS)
        return redirect(f"{self._changelist_url()}?session__id__exact={obj.session_id}")

    @staticmethod
    def recovered_message(obj, recovery) -> str:
        values = {
            "number": obj.position,
            "list": list_name(obj.country, obj.kind),
            "session": obj.session,
            "old": recovery.old_position,
        }
        # Said only when the old number was taken, not when the form was given another.
        if recovery.moved and obj.position != recovery.old_position:
            return (
                gettext(
                    "The finding was recovered as number %(number)s of %(list)s in "
                    "“%(session)s”, since number %(old)s is taken now."
                )
                % values
            )
        return (
            gettext("The finding was recovered as number %(number)s of %(list)s in “%(session)s”.")
            % values
        )

    def _changelist_url(self):
        return self._admin_url("changelist")

    def _recoverlist_url(self):
        return self._admin_url("recoverlist")

    def _admin_url(self, name):
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}")


_LONG_AGO = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def deleted_findings() -> list[dict]:
    """Every deleted finding, newest deletion first, with where it was and who deleted it.

    A finding deleted on its own page or from the findings list has a log entry of its
    deletion; one deleted in its session's table has none, but the session's history
    records that save, the first after the finding's last version.

    A fixed number of queries: the versions, their sessions with dialogues, their
    countries, the deletions' log entries and the sessions' later versions.
    """
    versions = list(Version.objects.get_deleted(Finding).select_related("revision").order_by("-pk"))
    fields = {version.pk: version.field_dict for version in versions}
    sessions = Session.objects.select_related("dialogue").in_bulk(
        {values["session_id"] for values in fields.values()}
    )
    countries = Country.objects.in_bulk(
        {values["country_id"] for values in fields.values() if values["country_id"]}
    )
    deletions = {
        entry.object_id: entry
        for entry in LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Finding),
            action_flag=DELETION,
            object_id__in=[version.object_id for version in versions],
        )
        .select_related("user")
        .order_by("action_time")
    }
    session_saves = defaultdict(list)
    if versions:
        later = Version.objects.get_for_model(Session).filter(
            object_id__in={str(values["session_id"]) for values in fields.values()},
            revision_id__gt=min(version.revision_id for version in versions),
        )
        for save in later.select_related("revision__user").order_by("revision_id"):
            session_saves[save.object_id].append(save.revision)
    rows = []
    for version in versions:
        values = fields[version.pk]
        session = sessions.get(values["session_id"])
        deletion = deletions.get(version.object_id)
        if deletion is None:
            saved = session_saves[str(values["session_id"])]
            revision = next((r for r in saved if r.pk > version.revision_id), None)
            if revision is not None:
                deletion = LogEntry(action_time=revision.date_created, user=revision.user)
        rows.append(
            {
                "version": version,
                "dialogue": session.dialogue if session else None,
                "session": session,
                "country": countries.get(values["country_id"])
                or (gettext("deleted") if values["country_id"] else None),
                "kind": Kind(values["kind"]).label,
                "number": values["position"],
                # English, else the first language that has a text.
                "text": next(filter(None, texts_of(values).values()), ""),
                "deleted_at": deletion.action_time if deletion else None,
                "deleted_by": deletion.user if deletion else None,
            }
        )
    # Newest deletion first; deletions made outside the admin (not logged) last.
    rows.sort(key=lambda row: row["deleted_at"] or _LONG_AGO, reverse=True)
    return rows

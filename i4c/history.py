"""The change history in the admin: django-reversion's views, kept to their own object.

django-reversion looks a version up by its id (and, for a revision, the object's
id) but not by its model: ``/admin/dialogues/dialogue/1/history/<id>/`` would show,
and on saving restore, the revision of a finding that happens to have id 1, and
its recover view would "recover" any version, of any model, deleted or not.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_noop
from reversion.admin import VersionAdmin as ReversionVersionAdmin
from reversion.models import Version

# django-reversion's pages say “Recover deleted {{ name }}” with the model's plural name;
# its own Russian does not agree with a plural («Восстановить удаленный выводы»). Our
# catalogue comes first (LOCALE_PATHS) and words it for every plural; named here so that
# makemessages keeps it.
REVERSION_WORDING = [gettext_noop("Recover deleted %(name)s")]


class VersionAdmin(ReversionVersionAdmin):
    """django-reversion's admin, answering 404 for a version of another model or object."""

    def revision_view(self, request, object_id, version_id, extra_context=None):
        versions = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        if not versions.filter(pk=version_id).exists():
            raise Http404
        request.reverting = True
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        # Only the versions the recover list offers: the last one of an object now deleted.
        if not Version.objects.get_deleted(self.model).filter(pk=version_id).exists():
            raise Http404
        request.recovering = request.reverting = True
        return super().recover_view(request, version_id, extra_context)

    def response_change(self, request, obj):
        if not getattr(request, "recovering", False):
            return super().response_change(request, obj)
        # Not "changed successfully": the object did not exist a moment ago.
        self.message_user(
            request,
            gettext("The %(name)s “%(object)s” was recovered.")
            % {"name": self.opts.verbose_name, "object": obj},
            messages.SUCCESS,
        )
        return redirect(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk
        )


def changeable_content_types(user):
    """The content types of the models ``user`` may change, as a subquery (no query of its own).

    Read from the user's permissions, which are cached on the user (the admin reads them
    for every page anyway).
    """
    changeable = Q(pk__in=[])
    for permission in user.get_all_permissions():
        app_label, codename = permission.split(".", 1)
        if codename.startswith("change_"):
            changeable |= Q(app_label=app_label, model=codename.removeprefix("change_"))
    return ContentType.objects.filter(changeable)

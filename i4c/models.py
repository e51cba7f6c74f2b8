from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class ContentVersion(models.Model):
    """One row whose value changes with every change to what the public pages show.

    The page cache (``i4c.pagecache``) stores every page with the value it was
    made under, so a new value makes every cached page stale at once, in every
    process on every server. Being in the database, it changes in the same
    transaction as the edit, also when the pages are in Redis (``REDIS_URL``).
    """

    value = models.CharField(_("value"), max_length=32)
    # Changed with the value, by the database's clock: the API's Last-Modified.
    # A database default, so that servers of the previous release can still
    # create the row during an update.
    changed = models.DateTimeField(_("changed"), db_default=Now())

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")
        # The table it had in ``dialogues``: moving the model changed nothing in
        # the database, so servers of the previous release share it during an update.
        db_table = "dialogues_contentversion"

    def __str__(self):
        return self.value

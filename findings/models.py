import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dialogues.models import Country, Dialogue, Session, Theme

from .enums import Kind


def missing_text(language: str) -> Q:
    """Findings without a text in ``language``: its column NULL (never written) or empty."""
    column = f"text_{language}"
    return Q(**{f"{column}__isnull": True}) | Q(**{column: ""})


class FindingQuerySet(models.QuerySet):
    def published(self):
        """Findings of published dialogues: what the public may see."""
        return self.filter(session__dialogue__in=Dialogue.objects.published())

    def in_list(self, *, session_id, country_id, kind):
        """The numbered list a finding belongs to: session + country (or regional) + kind."""
        return self.filter(session_id=session_id, country_id=country_id, kind=kind)

    def next_position(self, *, session_id, country_id, kind) -> int:
        """The number after the last item of that list (1 for an empty list). One query."""
        last = self.in_list(session_id=session_id, country_id=country_id, kind=kind).aggregate(
            last=Max("position")
        )["last"]
        return (last or 0) + 1


def public_countries():
    """Countries the public may see: in a published dialogue, or with published findings.

    A country the Board adds for a dialogue still in draft stays out of every list.
    Read from the dialogues' countries and the list sizes: no finding is read.
    """
    published = Dialogue.objects.published()
    return Country.objects.filter(
        Exists(
            Dialogue.countries.through.objects.filter(
                country=OuterRef("pk"), dialogue__in=published
            )
        )
        | Exists(
            ListSize.objects.filter(
                country=OuterRef("pk"), count__gt=0, session__dialogue__in=published
            )
        )
    )


def public_themes():
    """Themes the public may see: on a finding or a session of a published dialogue.

    EXISTS, not a join: a theme is found by its first published finding.
    """
    published = Dialogue.objects.published()
    return Theme.objects.filter(
        Exists(
            Finding.themes.through.objects.filter(
                theme=OuterRef("pk"), finding__session__dialogue__in=published
            )
        )
        | Exists(
            Session.themes.through.objects.filter(
                theme=OuterRef("pk"), session__dialogue__in=published
            )
        )
    )


class Finding(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="findings", verbose_name=_("session")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("country"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a regional finding."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    position = models.PositiveSmallIntegerField(
        _("number"), help_text=_("The item's number in its list (1, 2, 3, ...).")
    )
    text = models.TextField(_("text"))
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="findings", blank=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        # Cheap default (no joins); pages order by country name explicitly.
        ordering = ["session_id", "country_id", "-kind", "position"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            # The admin's list (``FindingAdmin.ordering``), read in order page by page.
            models.Index(
                fields=["-session", "country", "-kind", "position", "-id"],
                name="finding_admin_order",
            ),
            # The latest change to the published findings (the open data's citation),
            # found from the newest end without reading every finding.
            models.Index(fields=["-updated"], name="finding_updated"),
        ]
        constraints = [
            # Two partial indexes instead of one: a plain unique constraint treats
            # every NULL country as distinct and would let regional items share a number.
            models.UniqueConstraint(
                fields=["session", "country", "kind", "position"],
                condition=Q(country__isnull=False),
                name="finding_unique_position_per_country",
                violation_error_message=_("This list already has an item with this number."),
                violation_error_code="duplicate_position",
            ),
            models.UniqueConstraint(
                fields=["session", "kind", "position"],
                condition=Q(country__isnull=True),
                name="finding_unique_position_regional",
                violation_error_message=_("This list already has an item with this number."),
                violation_error_code="duplicate_position",
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="finding_position_from_one",
                violation_error_message=_("Numbers start at 1."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values),
                name="finding_kind_valid",
                violation_error_message=_("A finding is a success or a problem."),
            ),
        ]

    def __str__(self):
        return Truncator(self.text).chars(80)

    def get_absolute_url(self):
        """The finding on its session page; reads ``session.dialogue``: select them."""
        return f"{self.session.get_absolute_url()}#finding-{self.pk}"

    def clean(self):
        if self.position is not None and self.position < 1:
            raise ValidationError({"position": _("Numbers start at 1.")}, code="position_from_one")
        if self.session_id is None or not self.kind or self.position is None:
            return
        taken = (
            Finding.objects.in_list(
                session_id=self.session_id, country_id=self.country_id, kind=self.kind
            )
            .filter(position=self.position)
            .exclude(pk=self.pk)
        )
        if taken.exists():
            raise ValidationError(
                {"position": self.duplicate_position_message()}, code="duplicate_position"
            )

    def duplicate_position_message(self):
        where = self.country.display_name if self.country_id else _("Regional findings")
        values = {"where": where, "number": self.position}
        if self.kind == Kind.PROBLEM:
            return _("%(where)s already has problem number %(number)s in this session.") % values
        return _("%(where)s already has success number %(number)s in this session.") % values


class ListSizeQuerySet(models.QuerySet):
    def published(self):
        """Sizes of the lists of published dialogues."""
        return self.filter(session__dialogue__in=Dialogue.objects.published(), count__gt=0)

    def recount(self) -> None:
        """Count every list again from the findings, on their own and by theme (after a
        restore, or to repair)."""
        finding = Finding._meta.db_table
        links = Finding.themes.through._meta.db_table
        by_theme = ThemeListSize._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.model._meta.db_table}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {self.model._meta.db_table} "  # noqa: S608 (models' tables)
                "(session_id, country_id, kind, count) "
                f"SELECT session_id, country_id, kind, COUNT(*) FROM {finding} "
                "GROUP BY session_id, country_id, kind"
            )
            cursor.execute(f"DELETE FROM {by_theme}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {by_theme} "  # noqa: S608 (models' tables)
                "(session_id, country_id, kind, theme_id, count) "
                "SELECT f.session_id, f.country_id, f.kind, l.theme_id, COUNT(*) "
                f"FROM {links} l JOIN {finding} f ON f.id = l.finding_id "
                "GROUP BY f.session_id, f.country_id, f.kind, l.theme_id"
            )


class ListSize(models.Model):
    """How many findings one numbered list (session + country or regional + kind) holds.

    Kept by database triggers on the findings table (migration ``0007_list_size``), in
    the same transaction as every insert, delete or move of a finding, whatever wrote
    it: the admin, the notes, the CSV import, a restore, raw SQL. Its size follows
    sessions × countries, never findings, so the public pages count, page and build
    their menus from it.
    """

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="list_sizes", verbose_name=_("session")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="list_sizes",
        verbose_name=_("country"),
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    count = models.PositiveIntegerField(_("count"), default=0)

    objects = ListSizeQuerySet.as_manager()

    class Meta:
        verbose_name = _("list size")
        verbose_name_plural = _("list sizes")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "country", "kind"],
                condition=Q(country__isnull=False),
                name="list_size_unique_per_country",
            ),
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=Q(country__isnull=True),
                name="list_size_unique_regional",
            ),
        ]

    def __str__(self):
        return f"{self.session_id}/{self.country_id or '-'}/{self.kind}: {self.count}"


class ThemeListSize(models.Model):
    """How many findings of one numbered list have a theme themselves.

    Kept by database triggers, like ``ListSize``: on the findings' themes, and on a
    finding moved to another list. (A session's theme reaches all its findings: the
    pages read ``ListSize`` for those.)
    """

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("country"),
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, related_name="list_sizes", verbose_name=_("theme")
    )
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("list size on a theme")
        verbose_name_plural = _("list sizes on a theme")
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "session", "country", "kind"],
                condition=Q(country__isnull=False),
                name="theme_list_size_unique_per_country",
            ),
            models.UniqueConstraint(
                fields=["theme", "session", "kind"],
                condition=Q(country__isnull=True),
                name="theme_list_size_unique_regional",
            ),
        ]

    def __str__(self):
        return f"{self.theme_id}: {self.session_id}/{self.country_id or '-'}/{self.kind}"


class ImportPreview(models.Model):
    """A CSV file whose preview a Board member may still confirm.

    Kept here rather than in the session: the session is written on every request,
    and a file may be 10 MB. The session keeps only the digest.
    """

    MAX_AGE = datetime.timedelta(hours=1)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    digest = models.CharField(_("digest"), max_length=64)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("import preview")
        verbose_name_plural = _("import previews")

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d %H:%M}"

    @classmethod
    def keep(cls, *, user, text: str, digest: str):
        """Keep ``text`` for ``user``, replacing their earlier preview, and forget stale ones."""
        cls.objects.filter(Q(user=user) | Q(created__lt=timezone.now() - cls.MAX_AGE)).delete()
        cls.objects.create(user=user, text=text, digest=digest)

    @classmethod
    def take(cls, *, user, digest: str) -> str | None:
        """The text ``user`` previewed under ``digest`` within the hour, or None; kept no longer."""
        previews = cls.objects.filter(user=user, digest=digest)
        preview = previews.filter(created__gte=timezone.now() - cls.MAX_AGE).first()
        previews.delete()
        return preview.text if preview else None

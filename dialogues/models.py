from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .enums import Format, Status

country_code_validator = RegexValidator(
    r"^[A-Z]{2}\Z",
    _("Enter the ISO 3166-1 alpha-2 code: two capital Latin letters, for example KZ."),
    code="invalid_country_code",
)


class Country(models.Model):
    # Translated (dialogues/translation.py): name_en, name_ru, ...
    name = models.CharField(
        pgettext_lazy("what a country or theme is called", "name"), max_length=100, unique=True
    )
    code = models.CharField(
        _("code"),
        max_length=2,
        unique=True,
        validators=[country_code_validator],
        help_text=_("ISO 3166-1 alpha-2 code, for example KZ."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][A-Z]$"),
                name="country_code_upper_alpha2",
                violation_error_message=_("The code must be two capital Latin letters."),
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("country_detail", kwargs={"code": self.code.lower()})

    @property
    def display_name(self) -> str:
        """The name in the active language, else in another one (English first)."""
        return self.name

    def names(self) -> list[str]:
        """Every name the country has, one per content language (for reading notes and files)."""
        names = (getattr(self, f"name_{code}", None) for code in settings.CONTENT_LANGUAGES)
        return [name for name in names if name]


class Theme(models.Model):
    name = models.CharField(
        pgettext_lazy("what a country or theme is called", "name"), max_length=100, unique=True
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return self.name

    def names(self) -> list[str]:
        """Every name the theme has, one per content language (for reading files)."""
        names = (getattr(self, f"name_{code}", None) for code in settings.CONTENT_LANGUAGES)
        return [name for name in names if name]


def can_preview_drafts(user) -> bool:
    """Staff with the view permission on dialogues see drafts, with a banner.

    With ``I4C_REQUIRE_2FA`` on, only once signed in with the second step too: a
    password alone shows no draft. ``user.is_verified`` comes from django-otp's
    middleware; a user object without it has not given a code.
    """
    if settings.I4C_REQUIRE_2FA and not getattr(user, "is_verified", lambda: False)():
        return False
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("dialogues.view_dialogue")
    )


class DialogueQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: the one place that decides it."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published dialogues, plus drafts for staff who may preview them."""
        if can_preview_drafts(user):
            return self.all()
        return self.published()


class Dialogue(models.Model):
    title = models.CharField(pgettext_lazy("of a dialogue or session", "title"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The dialogue's address on the site; keep it once published."),
    )
    series = models.CharField(
        _("series"),
        max_length=255,
        blank=True,
        help_text=_("For example “Regional Dialogues: Defending Civic Space”."),
    )
    organiser = models.CharField(_("organiser"), max_length=255, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    format = models.CharField(_("format"), max_length=20, choices=Format, default=Format.ONLINE)
    summary = models.TextField(_("summary"), blank=True)
    countries = models.ManyToManyField(
        Country,
        verbose_name=_("participating countries"),
        related_name="dialogues",
        blank=True,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    objects = DialogueQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="dialogue_end_not_before_start",
                violation_error_message=_("The dialogue cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(published_at__isnull=False),
                name="dialogue_published_has_moment",
                violation_error_message=_(
                    "A published dialogue needs the moment it was published."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The moment of publication follows the status: set once when published,
        # cleared when returned to draft (publishing again records a new moment).
        published_at = self.published_at
        if self.status == Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
        elif self.status == Status.DRAFT:
            published_at = None
        if published_at != self.published_at:
            self.published_at = published_at
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("dialogue_detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError(
                {"end": _("The dialogue cannot end before it starts.")}, code="end_before_start"
            )

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def countries_outside(self, countries) -> list[Country]:
        """Those of ``countries`` (countries or a queryset of them) that the dialogue does
        not list among its participating countries, by name. One query."""
        ids = {country.pk for country in countries if country is not None}
        if not ids:
            return []
        return list(Country.objects.filter(pk__in=ids).exclude(dialogues=self))

    def move_to(self, status: Status) -> None:
        """Publish, or return to draft; ``save()`` records or clears the moment."""
        self.status = status
        self.save(update_fields=["status"])


# The addresses under a dialogue's that are not sessions': /dialogues/<slug>/report/ is the
# dialogue's report, and a session with that slug could never be reached.
RESERVED_SESSION_SLUGS = frozenset({"report"})


class Session(models.Model):
    dialogue = models.ForeignKey(
        Dialogue, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("dialogue")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=1, help_text=_("Order of the session within its dialogue.")
    )
    title = models.CharField(pgettext_lazy("of a dialogue or session", "title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="sessions", blank=True
    )

    class Meta:
        ordering = ["dialogue", "position"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "slug"],
                name="session_unique_slug_per_dialogue",
                violation_error_message=_("This dialogue already has a session with this slug."),
            ),
            models.UniqueConstraint(
                fields=["dialogue", "position"],
                name="session_unique_position_per_dialogue",
                violation_error_message=_("This dialogue already has a session at this position."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        """Reads ``self.dialogue``: select it first or it costs a query."""
        return reverse(
            "session_detail", kwargs={"dialogue_slug": self.dialogue.slug, "slug": self.slug}
        )

    @staticmethod
    def url_parts() -> tuple[str, str, str]:
        """A session page's path around its two slugs: ``before + dialogue slug +
        between + session slug + after`` is its ``get_absolute_url()``.

        For lists of many sessions (the sitemap, the export): the address is reversed
        once, not once per session. Slugs are ASCII letters, digits, "-" and "_",
        which ``reverse`` leaves as they are.
        """
        path = reverse(
            "session_detail",
            kwargs={"dialogue_slug": "dialogue-slug-mark", "slug": "session-slug-mark"},
        )
        before, rest = path.split("dialogue-slug-mark")
        between, after = rest.split("session-slug-mark")
        return before, between, after

    def clean(self):
        if self.slug in RESERVED_SESSION_SLUGS:
            raise ValidationError(
                {
                    "slug": _(
                        "“%(slug)s” is the address of the dialogue's report: choose another slug."
                    )
                    % {"slug": self.slug}
                },
                code="reserved_slug",
            )

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dialogues.models import Country, Dialogue, Session
from findings.enums import Kind
from findings.models import Finding

from .enums import OPEN_STATUSES, ActionStatus


class ActionQuerySet(models.QuerySet):
    def published(self):
        """Actions agreed at published dialogues: what the public may see."""
        return self.filter(dialogue__in=Dialogue.objects.published())

    def visible_to(self, user):
        """Published, plus those of drafts for staff who may preview them."""
        return self.filter(dialogue__in=Dialogue.objects.visible_to(user))

    def overdue(self, today=None):
        """Still planned or in progress after their due date."""
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today, status__in=OPEN_STATUSES)


class Action(models.Model):
    """What the network agreed at a dialogue to do about the problems it named."""

    dialogue = models.ForeignKey(
        Dialogue,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("dialogue"),
        help_text=_("The dialogue at which the action was agreed."),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("session"),
        null=True,
        blank=True,
        help_text=_("The session at which it was agreed, if one; of the same dialogue."),
    )
    # Translated (actions/translation.py): title_en, title_ru, description_en, ...
    title = models.CharField(_("action"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    carried_by = models.CharField(
        _("carried by"),
        max_length=255,
        help_text=_("Who does it, in words: “I4C Board”, “members in Kazakhstan”."),
    )
    countries = models.ManyToManyField(
        Country,
        verbose_name=_("countries"),
        related_name="actions",
        blank=True,
        help_text=_("The countries where it is carried out, if it is tied to some."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # Follows the updates (actions.services.sync_status): never edited directly.
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ActionStatus,
        default=ActionStatus.PLANNED,
        editable=False,
    )
    problems = models.ManyToManyField(
        Finding,
        verbose_name=_("problems it answers"),
        related_name="actions",
        blank=True,
        limit_choices_to={"kind": Kind.PROBLEM},
        help_text=_("Problems reported at any dialogue. Successes cannot be chosen."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values),
                name="action_status_valid",
                violation_error_message=_("Choose one of the statuses offered."),
            ),
        ]

    def __str__(self):
        return Truncator(self.title).chars(80)

    def get_absolute_url(self):
        return reverse("action_detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.session_id and self.dialogue_id and self.session.dialogue_id != self.dialogue_id:
            raise ValidationError(
                {"session": _("Choose a session of the action's dialogue, or none.")},
                code="session_of_other_dialogue",
            )
        if self.pk and self.dialogue_id:
            dialogue_date = timezone.localdate(self.dialogue.start)
            if self.updates.filter(date__lt=dialogue_date).exists():
                raise ValidationError(
                    {
                        "dialogue": _(
                            "This action has updates dated before that dialogue (%(date)s): "
                            "correct their dates first."
                        )
                        % {"date": date_format(dialogue_date)}
                    },
                    code="updates_before_dialogue",
                )

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_date and self.due_date < today and self.status in OPEN_STATUSES)

    @property
    def latest_update(self):
        """The newest update; reads the ``timeline`` prefetch when the view made one."""
        if hasattr(self, "timeline"):
            return self.timeline[0] if self.timeline else None
        return self.updates.order_by("-date", "-pk").first()


def refuse_successes(sender, instance, action, reverse, pk_set, **kwargs):
    """An action answers problems: a success is refused however it is added.

    The admin's menu offers problems only (``limit_choices_to``); this keeps
    imports, the shell and any later form to the same rule.
    """
    if action != "pre_add" or not pk_set:
        return
    if reverse:
        if instance.kind != Kind.PROBLEM:
            raise ValidationError(_("Only problems can be answered by an action."), code="success")
    elif Finding.objects.filter(pk__in=pk_set).exclude(kind=Kind.PROBLEM).exists():
        raise ValidationError(_("Only problems can be answered by an action."), code="success")


class ActionUpdate(models.Model):
    """A dated note on how far an action got; it may change the action's status."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="updates", verbose_name=_("action")
    )
    date = models.DateField(_("date"))
    # Translated (actions/translation.py): note_en, note_ru, ...
    note = models.TextField(_("note"))
    status = models.CharField(
        _("new status"),
        max_length=20,
        choices=ActionStatus,
        blank=True,
        help_text=_("Leave empty when the status stays as it was."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="") | Q(status__in=ActionStatus.values),
                name="actionupdate_status_valid",
                violation_error_message=_("Choose one of the statuses offered, or none."),
            ),
        ]

    def __str__(self):
        return f"{date_format(self.date)}: {Truncator(self.note).chars(60)}"

    def get_absolute_url(self):
        return f"{reverse('action_detail', kwargs={'pk': self.action_id})}#update-{self.pk}"

    def clean(self):
        # On the admin's add page the action is not saved yet: its form's object is here.
        action = getattr(self, "action", None)
        if self.date is None or action is None or action.dialogue_id is None:
            return
        dialogue_date = timezone.localdate(action.dialogue.start)
        if self.date < dialogue_date:
            raise ValidationError(
                {
                    "date": _(
                        "An update cannot be dated before the dialogue (%(date)s) "
                        "at which the action was agreed."
                    )
                    % {"date": date_format(dialogue_date)}
                },
                code="before_dialogue",
            )

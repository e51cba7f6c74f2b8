from django import forms
from django.db.models import Max
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dialogues.models import Session
from dialogues.numbering import NumberedInlineFormSet, NumberedRowForm

from .enums import Kind
from .models import Finding

POSITION_HELP = _("Leave empty to number the item after the last one in its list.")


ADD_COUNTRIES_LABEL = _("Add the findings' countries to the dialogue's participating countries")


def add_countries_field():
    return forms.BooleanField(
        label=ADD_COUNTRIES_LABEL,
        required=False,
        help_text=_(
            "A finding may name a country that the dialogue does not list yet: "
            "the page says so after saving. Tick this and save to add it."
        ),
    )


class SessionForm(forms.ModelForm):
    """A session on its own page: its number may be left empty, to follow the last one."""

    add_countries_to_dialogue = add_countries_field()

    class Meta:
        model = Session
        fields = ["dialogue", "position", "title", "slug", "description", "themes"]
        help_texts = {
            "position": _(
                "Order of the session within its dialogue; leave empty to put it after the "
                "last one."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["position"].initial = None

    def clean(self):
        cleaned = super().clean()
        dialogue = cleaned.get("dialogue")
        if dialogue is not None and cleaned.get("position") is None:
            others = dialogue.sessions.exclude(pk=self.instance.pk)
            cleaned["position"] = (others.aggregate(last=Max("position"))["last"] or 0) + 1
        return cleaned


class FindingForm(forms.ModelForm):
    """A finding whose number may be left empty: it then goes to the end of its list."""

    add_countries_to_dialogue = add_countries_field()

    # A formset numbers its rows together (see FindingInlineFormSet).
    numbers_itself = True

    class Meta:
        model = Finding
        fields = ["session", "country", "kind", "position", "text", "themes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "position" in self.fields:
            self.fields["position"].required = False
            self.fields["position"].help_text = POSITION_HELP

    def clean(self):
        cleaned = super().clean()
        session = cleaned.get("session")
        if self.numbers_itself and session and cleaned.get("kind") and not cleaned.get("position"):
            country = cleaned.get("country")
            cleaned["position"] = Finding.objects.next_position(
                session_id=session.pk,
                country_id=country.pk if country else None,
                kind=cleaned["kind"],
            )
        return cleaned


class FindingInlineForm(NumberedRowForm, FindingForm):
    numbers_itself = False
    add_countries_to_dialogue = None  # asked once, on the session's own form


class FindingInlineFormSet(NumberedInlineFormSet):
    """A session's findings: one numbered list per country (or regional) and kind."""

    list_fields = ("country", "kind")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Every row's country menu would query the countries again: read them once.
        field = form.fields.get("country")
        if field is not None:
            if not hasattr(self, "_country_choices"):
                self._country_choices = list(iter(field.choices))
            field.choices = self._country_choices

    def describe_list(self, key):
        country_id, kind = key
        names = dict(self._country_choices) if hasattr(self, "_country_choices") else {}
        where = str(names.get(country_id, "")) if country_id else gettext("Regional findings")
        if kind == Kind.PROBLEM:
            return gettext("%(where)s, problems") % {"where": where}
        return gettext("%(where)s, successes") % {"where": where}

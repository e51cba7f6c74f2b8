from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from .models import Finding

POSITION_HELP = _("Leave empty to number the item after the last one in its list.")


class FindingForm(forms.ModelForm):
    """A finding whose number may be left empty: it then goes to the end of its list."""

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


class FindingInlineForm(FindingForm):
    numbers_itself = False


class FindingInlineFormSet(forms.BaseInlineFormSet):
    """Checks numbers across the rows of one page and numbers the empty ones.

    Rows with an empty number go after the highest number of their list, counting
    both the saved findings and the other rows of the page.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Every row's country menu would query the countries again: read them once.
        field = form.fields.get("country")
        if field is not None:
            if not hasattr(self, "_country_choices"):
                self._country_choices = list(iter(field.choices))
            field.choices = self._country_choices

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        live = [
            form
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ] + [
            form
            for form in self.initial_forms
            if not form.has_changed() and not self._should_delete_form(form)
        ]
        seen = {}
        last = defaultdict(int)
        if self.instance.pk:
            for row in (
                Finding.objects.filter(session=self.instance)
                .values("country_id", "kind")
                .annotate(last=Max("position"))
            ):
                last[(row["country_id"], row["kind"])] = row["last"]
        for form in live:
            key = self._list_key(form)
            position = self._value(form, "position")
            if position:
                last[key] = max(last[key], position)
                if (key, position) in seen:
                    form.add_error(
                        "position",
                        ValidationError(
                            _("Two rows of this list have number %(number)s."),
                            code="duplicate_position",
                            params={"number": position},
                        ),
                    )
                seen[(key, position)] = form
        if any(self.errors):
            return
        for form in live:
            if not self._value(form, "position"):
                key = self._list_key(form)
                last[key] += 1
                form.cleaned_data["position"] = last[key]
                form.instance.position = last[key]

    @staticmethod
    def _value(form, name):
        if form.cleaned_data and name in form.cleaned_data:
            return form.cleaned_data[name]
        return getattr(form.instance, name)

    def _list_key(self, form):
        country = self._value(form, "country")
        return (country.pk if country else None, self._value(form, "kind"))

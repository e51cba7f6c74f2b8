"""Numbered lists edited as a table of rows: a dialogue's sessions, a session's findings.

The admin's inlines show a whole list at once, and a Board member renumbers it the
way it looks on the page: two numbers swapped in one save, an item moved by typing
the number it should have, a new row typed in between. So a row's number is checked
against the other rows of the page as they will be after the save, not against the
database one row at a time:

- two rows that the person numbered alike are refused (which one is meant is unknown);
- a number typed over one that an untouched item holds moves the typed row there: the
  list is numbered 1, 2, 3... again, each typed number kept and the other items
  filling the numbers left in their order (so the item met moves on by one);
- a row left without a number goes after the last item of its list.

Saving happens in the admin's transaction: deleted rows go first, then the rows whose
number changes are moved out of the way (unused numbers counted down from the largest
the column holds), then every row is written with its final number. The database's
unique constraints hold after each statement, on SQLite and PostgreSQL alike.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connections
from django.db.models import Model
from django.utils.translation import gettext_lazy as _


class NumberedRowForm(forms.ModelForm):
    """A row whose number may be left empty, and is checked by its formset."""

    number_field = "position"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = self.fields.get(self.number_field)
        if number is not None:
            number.required = False
            # No model default on the page: a suggested number would make a blank row
            # look filled in, and every added row would suggest the same one.
            number.initial = None
            number.validators.append(MinValueValidator(1))
            number.widget.attrs["min"] = 1

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.add(self.number_field)
        return exclude

    def _post_clean(self):
        # The model would compare the number with the database row by row, where a
        # number that another row gives up in the same save still looks taken.
        # Without a number the model skips that comparison (a row moved to another
        # list would otherwise be compared there with the number it had in its old one).
        cleaned = getattr(self, "cleaned_data", {})
        has_number = self.number_field in cleaned
        number = cleaned.pop(self.number_field, None)
        original = getattr(self.instance, self.number_field)
        setattr(self.instance, self.number_field, None)
        super()._post_clean()
        setattr(self.instance, self.number_field, original if number is None else number)
        if has_number:
            cleaned[self.number_field] = number


@dataclass(eq=False)
class _Row:
    pk: int | None
    key: tuple
    old: int | None  # the number in the database, for a row of the same list
    wanted: int | None  # the number it should have, None: after the last
    typed: bool  # the person gave this number (new row, or changed number or list)
    form: forms.Form | None = None
    final: int | None = field(default=None)

    def tie(self) -> int:
        """Among rows wanting one number: moved up first, then untouched, moved down last."""
        if not self.typed:
            return 0
        if self.old is not None and self.wanted > self.old:
            return 1
        return -1


class NumberedInlineFormSet(forms.BaseInlineFormSet):
    """Numbers the rows of one parent's lists together (see the module's docstring).

    ``list_fields`` name the fields that, with the parent, make one list (for findings:
    country and kind); without them the parent has a single list.
    """

    number_field = "position"
    list_fields: tuple[str, ...] = ()

    def describe_list(self, key: tuple) -> str:
        """The list's name in the message that says it was numbered again."""
        return str(self.model._meta.verbose_name_plural)

    def clean(self):
        super().clean()
        self.renumbered_lists = []
        self._to_write = []
        if any(self.errors):
            return
        rows = self._rows()
        lists = defaultdict(list)
        for row in rows:
            lists[row.key].append(row)
        for key, members in lists.items():
            if self._number_list(members):
                self.renumbered_lists.append(key)
        if any(self.errors):
            return
        for row in rows:
            if row.form is not None:
                row.form.cleaned_data[self.number_field] = row.final
                setattr(row.form.instance, self.number_field, row.final)
        self._to_write = [row for row in rows if row.pk is not None and row.final != row.old]

    def _rows(self) -> list[_Row]:
        rows, on_page = [], set()
        deleted = {
            form for form in self.forms if self.can_delete and self._should_delete_form(form)
        }
        for form in self.initial_forms:
            if form.instance.pk is not None:
                on_page.add(form.instance.pk)
            if form in deleted or not form.cleaned_data:
                continue
            old_key = self._key(form.initial)
            key = self._key(form.cleaned_data, form.instance)
            old = form.initial.get(self.number_field)
            typed = bool(
                {self.number_field, *self.list_fields} & set(form.changed_data)
                and form.cleaned_data.get(self.number_field) is not None
            )
            rows.append(
                _Row(
                    pk=form.instance.pk,
                    key=key,
                    old=old if key == old_key else None,
                    wanted=form.cleaned_data.get(self.number_field),
                    typed=typed,
                    form=form,
                )
            )
        for form in self.extra_forms:
            if form.has_changed() and form.cleaned_data and form not in deleted:
                number = form.cleaned_data.get(self.number_field)
                rows.append(
                    _Row(
                        pk=None,
                        key=self._key(form.cleaned_data, form.instance),
                        old=None,
                        wanted=number,
                        typed=number is not None,
                        form=form,
                    )
                )
        if self.instance.pk is not None:
            # Items saved by someone else since the page was shown count as untouched.
            attnames = [self.model._meta.get_field(name).attname for name in self.list_fields]
            others = (
                self._siblings()
                .exclude(pk__in=on_page)
                .values_list("pk", self.number_field, *attnames)
            )
            for pk, number, *key in others:
                rows.append(_Row(pk=pk, key=tuple(key), old=number, wanted=number, typed=False))
        return rows

    def _key(self, values: dict, instance: Model | None = None) -> tuple:
        key = []
        for name in self.list_fields:
            value = values.get(name) if name in values else getattr(instance, name, None)
            key.append(value.pk if isinstance(value, Model) else value)
        return tuple(key)

    def _number_list(self, members: list[_Row]) -> bool:
        """Give each row of one list its final number; True when the list was renumbered."""
        typed = {}
        for row in members:
            if not row.typed:
                continue
            if row.wanted in typed:
                for clash in (typed[row.wanted], row):
                    clash.form.add_error(
                        self.number_field,
                        ValidationError(
                            _("Two rows of this list have number %(number)s."),
                            code="duplicate_position",
                            params={"number": row.wanted},
                        ),
                    )
            typed[row.wanted] = row
        numbered = [row for row in members if row.wanted is not None]
        kept = {row.wanted for row in numbered if not row.typed}
        renumber = any(number in kept for number in typed)
        if renumber:
            # Typed numbers are kept (those within the list); the other rows fill the
            # numbers left, in their order, so an item typed over another pushes it on.
            placed = {number: row for number, row in typed.items() if number <= len(numbered)}
            for number, row in placed.items():
                row.final = number
            free = (n for n in range(1, len(numbered) + 1) if n not in placed)
            placed_rows = {id(row) for row in placed.values()}
            rest = [row for row in numbered if id(row) not in placed_rows]
            for row in sorted(rest, key=lambda row: (row.wanted, row.tie())):
                row.final = next(free)
        else:
            for row in numbered:
                row.final = row.wanted
        last = max((row.final for row in numbered), default=0)
        for row in members:
            if row.wanted is None:
                last += 1
                row.final = last
        return renumber

    def _siblings(self):
        return self.model._default_manager.filter(**{self.fk.name: self.instance})

    def save_existing_objects(self, commit=True):
        if not commit:
            return super().save_existing_objects(commit)
        self.changed_objects = []
        self.deleted_objects = []
        deleted = set(self.deleted_forms)
        # Deleted rows first, as they are: their numbers become free, and their history
        # keeps the number they had.
        for form in self.initial_forms:
            obj = form.instance
            if form in deleted and obj._is_pk_set() and not obj._state.adding:
                self.deleted_objects.append(obj)
                self.delete_existing(obj, commit=True)
        self._move_out_of_the_way()
        saved = []
        by_pk = {row.pk: row for row in self._to_write}
        for form in self.initial_forms:
            obj = form.instance
            if form in deleted or not obj._is_pk_set() or obj._state.adding:
                continue
            if form.has_changed():
                self.changed_objects.append((obj, form.changed_data))
                saved.append(self.save_existing(form, obj, commit=True))
                by_pk.pop(obj.pk, None)
        # Untouched rows that the new order gave another number.
        pages = {row.form.instance.pk: row.form.instance for row in by_pk.values() if row.form}
        loaded = self._siblings().in_bulk([pk for pk in by_pk if pk not in pages])
        for pk, row in by_pk.items():
            obj = pages.get(pk) or loaded.get(pk)
            if obj is None:
                continue
            setattr(obj, self.number_field, row.final)
            obj.save()
            self.changed_objects.append((obj, [self.number_field]))
            saved.append(obj)
        return saved

    def _move_out_of_the_way(self):
        if not self._to_write:
            return
        manager = self.model._default_manager
        # Parked on unused numbers counted down from the column's largest: "after the
        # highest" would overflow a small integer once some item has the largest number.
        used = set(self._siblings().values_list(self.number_field, flat=True))
        field_type = self.model._meta.get_field(self.number_field).get_internal_type()
        largest = connections[manager.db].ops.integer_field_range(field_type)[1]
        spare = (number for number in range(largest, 0, -1) if number not in used)
        for row in self._to_write:
            manager.filter(pk=row.pk).update(**{self.number_field: next(spare)})

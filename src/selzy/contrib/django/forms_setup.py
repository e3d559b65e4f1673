"""Forms of the setup screens: the API key, registration, the list, the field mapping.

The forms check what can be checked here (shape of the key, an empty or duplicate list name,
the mapping through the engine's :func:`~selzy.integration.validate_mapping`); the views make
the Selzy calls. No form ever renders the API key or the password back into the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from selzy.integration import (
    COMPATIBLE,
    SYSTEM_TARGETS,
    FieldMapping,
    FieldPlan,
    SelzyField,
    SourceField,
    compatible_targets,
    validate_mapping,
)
from selzy.types import MailingList

from ._forms import choice_field
from .sources import ContactSource

NEW_LIST = "new"
DONT_IMPORT = ""
CREATE_FIELD = "__new__"
SYSTEM_TYPE = "string"  # what FieldMapping.selzy_type records for email, phone and tags

_SYSTEM_LABELS = {
    "email": "email (the contact's email address)",
    "phone": "phone (the contact's phone number)",
    "tags": "tags (the contact's tags)",
}


class ConnectForm(forms.Form):
    """The API key of an existing Selzy account (never rendered back: PasswordInput)."""

    api_key = forms.CharField(
        label="API key",
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Paste the key exactly as Selzy shows it. It is stored encrypted.",
    )

    @sensitive_variables()
    def clean_api_key(self) -> str:
        """The key, refused early when it cannot be one (no Selzy key has whitespace)."""
        key: str = self.cleaned_data["api_key"]  # CharField already stripped the ends
        if any(char.isspace() for char in key):
            raise ValidationError(
                "A Selzy API key has no spaces or line breaks: copy it again from "
                "Settings → Integrations and API → API access."
            )
        return key


class RegisterForm(forms.Form):
    """The guidelines' registration form: Email & Password."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Selzy sends a confirmation letter to this address.",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="The password of the new Selzy account (for logging in at selzy.com).",
    )


class ListForm(forms.Form):
    """An existing list (radio) or the name of a new one, and the contact source if several.

    A typed name wins over the radio: the radio may simply be pre-selected with the current
    list, while typing a name is a deliberate act.
    """

    list_id = forms.ChoiceField(label="Your Selzy lists", widget=forms.RadioSelect, required=False)
    new_list_title = forms.CharField(
        label="Name of a new list",
        max_length=255,
        required=False,
        help_text="Leave empty to use the list chosen above. The list is created in Selzy.",
    )
    source = forms.ChoiceField(label="Contacts to import", required=False)

    def __init__(
        self,
        *args: Any,
        lists: Sequence[MailingList],
        sources: Mapping[str, ContactSource],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lists = {item.id: item.title for item in lists}
        choice_field(self, "list_id").choices = [
            *((str(item.id), f"{item.title} (#{item.id})") for item in lists),
            (NEW_LIST, "Create a new list with the name below"),
        ]
        # With one source there is nothing to ask: it is picked silently.
        self.only_source = next(iter(sources)) if len(sources) == 1 else None
        if self.only_source is not None:
            del self.fields["source"]
        else:
            choice_field(self, "source").choices = [(key, s.label) for key, s in sources.items()]
            self.fields["source"].required = True

    def clean(self) -> dict[str, Any]:
        """Adds ``chosen_id`` (an existing list) or ``new_title`` (a list to create)."""
        data = super().clean() or {}
        title = (data.get("new_list_title") or "").strip()
        choice = data.get("list_id") or ""
        data["new_title"], data["chosen_id"] = "", None
        if title:
            self._refuse_taken(title)
            data["new_title"] = title
        elif choice == NEW_LIST:
            self.add_error("new_list_title", "Enter the name of the new list.")
        elif choice:
            data["chosen_id"] = int(choice)
        else:
            raise ValidationError("Select one of your lists, or enter the name of a new list.")
        return data

    def _refuse_taken(self, title: str) -> None:
        # Selzy refuses a duplicate title anyway; saying so here names the list to pick instead.
        for list_id, existing in self.lists.items():
            if existing.strip().lower() == title.lower():
                raise ValidationError(
                    {
                        "new_list_title": f"A list named “{existing}” already exists in Selzy "
                        f"(#{list_id}): select it above, or enter another name."
                    }
                )

    @property
    def chosen_source(self) -> str:
        """The contact source the user chose (or the only one)."""
        return self.only_source or self.cleaned_data["source"]


class TargetField(forms.ChoiceField):
    """A select offering only the compatible targets, yet accepting any submitted one.

    A stale page or a crafted POST may still send an incompatible field; letting it through to
    the engine gets the engine's explanation (both fields and both types) instead of Django's
    bare "Select a valid choice".
    """

    def valid_value(self, value: Any) -> bool:
        """Every value: the engine judges it in :meth:`MappingForm.clean`."""
        return True


@dataclass(frozen=True)
class MappingRow:
    """One line of the mapping table: the source field and its select."""

    source: SourceField
    field: forms.BoundField


def target_choices(
    source: SourceField, selzy_fields: Iterable[SelzyField], new_name: str
) -> list[Any]:
    """The select's options for ``source``: compatible targets only, grouped."""
    types = {f.name: f.type for f in selzy_fields}
    compatible = compatible_targets(source, selzy_fields)
    system = [(t, _SYSTEM_LABELS[t]) for t in compatible if t in SYSTEM_TARGETS]
    user = [(t, f"{t} ({types[t]})") for t in compatible if t not in SYSTEM_TARGETS]
    choices: list[Any] = [(DONT_IMPORT, "(don't import)")]
    if system:
        choices.append(("Selzy system fields", system))
    if user:
        choices.append(("Your Selzy fields", user))
    choices.append(
        ("New", [(CREATE_FIELD, f"Create a new Selzy field “{new_name}” ({source.type})")])
    )
    return choices


class MappingForm(forms.Form):
    """One select per source field, named ``map_<source field>``; validated by the engine.

    After ``is_valid()``: ``mapping`` is the :class:`FieldMapping` to save, ``plan`` the Selzy
    fields to create first, ``target_types`` the Selzy type of every target.
    """

    def __init__(
        self,
        *args: Any,
        source_fields: Sequence[SourceField],
        selzy_fields: Sequence[SelzyField],
        plan: FieldPlan,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source_fields = list(source_fields)
        self.selzy_fields = list(selzy_fields)
        self.full_plan = plan
        self.new_names = plan.mapping
        for source in self.source_fields:
            name = self.key(source.name)
            choices = target_choices(source, self.selzy_fields, self.new_names[source.name])
            submitted = self.data.get(name) if self.is_bound else None
            if submitted and not _offered(choices, submitted):
                # Keep the user's (refused) choice visible next to the engine's message.
                choices.append(("Not compatible", [(submitted, f"{submitted} (not compatible)")]))
            self.fields[name] = TargetField(label=source.title, required=False, choices=choices)
        self.mapping = FieldMapping()
        self.plan = FieldPlan()
        self.target_types: dict[str, str] = {}

    @staticmethod
    def key(source_name: str) -> str:
        """The form field (and HTML name) of a source field's select."""
        return f"map_{source_name}"

    def rows(self) -> list[MappingRow]:
        """The table's lines, in the source's order."""
        return [MappingRow(s, self[self.key(s.name)]) for s in self.source_fields]

    def clean(self) -> dict[str, Any]:
        """Build the mapping and the field plan, and let the engine find every problem."""
        data = super().clean() or {}
        targets: dict[str, str] = {}
        for source in self.source_fields:
            value = data.get(self.key(source.name)) or DONT_IMPORT
            if value == CREATE_FIELD:
                targets[source.name] = self.new_names[source.name]
            elif value != DONT_IMPORT:
                targets[source.name] = value
        chosen_new = {s for s, v in data.items() if v == CREATE_FIELD}
        plan = FieldPlan(
            tuple(f for f in self.full_plan.new_fields if self.key(f.source) in chosen_new)
        )
        known = [*self.selzy_fields, *(SelzyField(f.name, f.type) for f in plan.new_fields)]
        mapping = FieldMapping(targets)
        # Every problem at once, each on its own row when it names a source field.
        for problem in validate_mapping(mapping, self.source_fields, known):
            field = self.key(problem.source) if problem.source else None
            self.add_error(field if field in self.fields else None, problem.message)
        self.mapping, self.plan = mapping, plan
        self.target_types = {f.name: f.type for f in known} | dict.fromkeys(
            SYSTEM_TARGETS, SYSTEM_TYPE
        )
        return data

    @property
    def problems(self) -> list[str]:
        """Every error of the form, for the summary above the table."""
        return [str(message) for errors in self.errors.values() for message in errors]


def _offered(choices: list[Any], value: str) -> bool:
    for key, label in choices:
        if isinstance(label, list | tuple):
            if any(value == inner for inner, _ in label):
                return True
        elif key == value:
            return True
    return False


def compatibility_help() -> list[tuple[str, str]]:
    """Which Selzy types each source type may go to, for the help under the table."""
    return [(src, ", ".join(sorted(targets))) for src, targets in COMPATIBLE.items()]

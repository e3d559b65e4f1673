"""Subscribe on registration: a consent box on Django's own user creation form.

::

    from django.contrib.auth.forms import UserCreationForm
    from selzy.contrib.django.registration import SubscribeOnSignupMixin

    class RegistrationForm(SubscribeOnSignupMixin, UserCreationForm):
        selzy_signup_form = "newsletter"           # a key of SELZY["SIGNUP_FORMS"]
        selzy_fields = {"first_name": "Name"}      # user attribute -> Selzy field

        class Meta(UserCreationForm.Meta):
            fields = ("username", "email", "first_name")

    form = RegistrationForm(request.POST, request=request)

The form gets an unticked checkbox whose label is the sign-up form's consent text. When the new
user ticked it, saving the form also signs their address up (:func:`.signups.sign_up`, origin
``"registration"``): stored with its consent record and sent by the queue, so with a
``selzy_letter`` form Selzy's confirmation letter follows. The account always comes first: a
sign-up refused by a limit or the sign-up form's rules, or failing outright, is logged on
``selzy.django`` and the user is created all the same. With ``save(commit=False)`` the sign-up
waits for ``save_m2m()``, when the view has saved the user.

``request`` gives the consent record its evidence (IP, user agent, page) and counts against the
per-IP limit; without it the per-address limit still applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .form_adapters import subscribe_quietly
from .models import SignUp
from .signup_config import EMAIL
from .signups import signup_form

__all__ = ["ORIGIN", "SubscribeOnSignupMixin"]

#: The origin a registration's sign-up and consent record carry.
ORIGIN = "registration"

if TYPE_CHECKING:
    _FormBase = forms.ModelForm[Any]
else:
    _FormBase = object


class SubscribeOnSignupMixin(_FormBase):
    """For a ``UserCreationForm`` (or any user ``ModelForm``): the consent box and the sign-up
    on save (see the module's docstring). Put it before the form class it extends."""

    #: The key of the sign-up form (``SELZY["SIGNUP_FORMS"]``) the new users join.
    selzy_signup_form: ClassVar[str] = ""
    #: The name of the consent checkbox among the form's fields.
    selzy_consent_field: ClassVar[str] = "selzy_subscribe"
    #: More values for the sign-up: a user attribute -> the Selzy field it fills.
    selzy_fields: ClassVar[Mapping[str, str]] = {}

    selzy_request: HttpRequest | None
    #: The sign-up the last save made (None: the box was not ticked, or it was refused).
    selzy_signup: SignUp | None

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.selzy_signup_form:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: set selzy_signup_form to a key of "
                'SELZY["SIGNUP_FORMS"], the sign-up form new users join'
            )
        # An unknown key fails here, where the site's developer sees it, not at sign-up.
        config = signup_form(self.selzy_signup_form)
        self.selzy_request = request
        self.selzy_signup = None
        self.fields[self.selzy_consent_field] = forms.BooleanField(
            label=config.consent_text, required=False, initial=False
        )

    def _email_field_name(self) -> str:
        model = self._meta.model
        name = model.get_email_field_name() if hasattr(model, "get_email_field_name") else EMAIL
        return str(name)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None:  # a parent's clean() that returns nothing leaves cleaned_data as is
            cleaned = self.cleaned_data
        email_field = self._email_field_name()
        wants = cleaned.get(self.selzy_consent_field) is True
        if wants and email_field in self.fields and not cleaned.get(email_field):
            self.add_error(
                self.selzy_consent_field,
                _("Enter your email address to subscribe, or untick the box."),
            )
        return cleaned

    def selzy_values(self, user: Any) -> dict[str, object]:
        """The sign-up's values: the user's address and the attributes of ``selzy_fields``
        (empty ones left out)."""
        values: dict[str, object] = {EMAIL: getattr(user, self._email_field_name(), None)}
        for attribute, selzy_field in self.selzy_fields.items():
            value = getattr(user, attribute, None)
            if value is not None and value != "":
                values[selzy_field] = value
        return values

    def selzy_subscribe(self, user: Any) -> SignUp | None:
        """Sign the saved ``user`` up; the stored sign-up, or None (refused or failed: logged,
        never raised)."""
        request = self.selzy_request
        self.selzy_signup = subscribe_quietly(
            self.selzy_signup_form,
            self.selzy_values(user),
            request=request,
            origin=ORIGIN,
            page=request.build_absolute_uri() if request is not None else "",
        )
        return self.selzy_signup

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if self.cleaned_data.get(self.selzy_consent_field) is not True:
            return user
        if commit:
            self.selzy_subscribe(user)
            return user
        # Not saved yet: the view saves the user, then calls save_m2m(); subscribe then.
        save_m2m: Callable[[], None] = self.save_m2m

        def save_m2m_and_subscribe() -> None:
            save_m2m()
            self.selzy_subscribe(user)

        self.save_m2m = save_m2m_and_subscribe  # type: ignore[method-assign]
        return user

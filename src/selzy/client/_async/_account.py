"""The account, senders, resellers, webhooks and contact notes (§5.8, §5.10, §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Literal

from selzy.protocol import START_TIME_FORMAT

from .._encoding import comma_list
from .._exceptions import ClientValidationError
from .._model import ResultList, as_dict, as_list, parse_model, parse_models
from .._types._account import (
    CheckedEmail,
    CurrencyRate,
    Hook,
    MoneyTransfer,
    Payment,
    Registered,
    SenderDomain,
    SenderDomainList,
    SenderValidation,
    SubscriberNote,
    Tariff,
    UserExists,
    UserInfo,
)
from ._base import AsyncAPIBase, params


def _minutes(value: dt.datetime | str | None) -> str | None:
    """A ``YYYY-MM-DD hh:mm`` argument: aware datetimes are converted to UTC first."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(START_TIME_FORMAT)


def _subscriber(subscriber_id: int | None, email: str | None) -> None:
    if subscriber_id is None and email is None:
        raise ClientValidationError("Give subscriber_id or email to say whose notes these are")


class AsyncAccountMethods(AsyncAPIBase):
    """Registration, account data, sender addresses and domains, webhooks, contact notes."""

    async def register(
        self,
        *,
        email: str,
        password: str | None = None,
        need_confirm: bool | None = None,
        notify: bool | None = None,
        extra: Mapping[str, str] | None = None,
        timezone: str | None = None,
        login: str | None = None,
        ip: str | None = None,
        api_mode: Literal["on", "test", ""] | None = None,
    ) -> Registered:
        """register: a new Selzy account; store the returned ``api_key``.

        Works on a client made with ``api_key=None``: without a reseller key the API wants
        ``need_confirm=True`` (the new user confirms by email). ``extra`` carries
        ``firstname``, ``channel`` and, with need_confirm, ``lastname``, ``company``,
        ``phone``. One registration a minute per IP for non-resellers; never retried after an
        ambiguous failure.
        """
        if not email or "@" not in email:
            raise ClientValidationError(f"register needs the new user's email, got {email!r}")
        response = await self.request(
            "register",
            params(
                email=email,
                password=password,
                need_confirm=need_confirm,
                notify=notify,
                extra=dict(extra) if extra else None,
                timezone=timezone,
                login=login,
                ip=ip,
                api_mode=api_mode,
            ),
        )
        return parse_model(Registered, response.result, response.warnings)

    async def check_user_exists(
        self, *, login: str | None = None, email: str | None = None
    ) -> UserExists:
        """checkUserExists: whether a login and/or an email already has an account."""
        if login is None and email is None:
            raise ClientValidationError("checkUserExists needs login or email")
        response = await self.request("checkUserExists", params(login=login, email=email))
        return parse_model(UserExists, response.result, response.warnings)

    async def get_user_info(self, *, login: str | None = None) -> UserInfo:
        """getUserInfo: the account behind the key (or, for resellers, ``login``)."""
        response = await self.request("getUserInfo", params(login=login))
        return parse_model(UserInfo, response.result, response.warnings)

    async def get_users(
        self,
        *,
        registered_after: dt.datetime | str | None = None,
        registered_before: dt.datetime | str | None = None,
    ) -> ResultList[UserInfo]:
        """getUsers (resellers): the accounts registered in a time range."""
        response = await self.request(
            "getUsers",
            params(
                registered_after=_minutes(registered_after),
                registered_before=_minutes(registered_before),
            ),
        )
        return parse_models(UserInfo, response.result, response.warnings)

    async def transfer_money(
        self, *, source_login: str, target_login: str, sum: float, currency: str
    ) -> MoneyTransfer:
        """transferMoney (resellers): move money between two accounts. Never retried."""
        if sum <= 0:
            raise ClientValidationError(f"sum must be positive, got {sum}")
        response = await self.request(
            "transferMoney",
            params(
                source_login=source_login,
                target_login=target_login,
                sum=sum,
                currency=currency,
            ),
        )
        return parse_model(MoneyTransfer, response.result, response.warnings)

    async def get_payments(
        self,
        *,
        login: str | None = None,
        from_: dt.datetime | str | None = None,
        to: dt.datetime | str | None = None,
        only_real_deposit: bool | None = None,
        ids: str | int | Iterable[str | int] | None = None,
        comment_substrings: str | Iterable[str] | None = None,
        payment_type: str | None = None,
    ) -> ResultList[Payment]:
        """getPayments (resellers, legacy): payments; ``from_`` is sent as ``from``.

        Parameters and result are known only from one old library (UNCONFIRMED).
        """
        args = params(
            login=login,
            to=to,
            only_real_deposit=only_real_deposit,
            ids=comma_list(ids),
            comment_substrings=comma_list(comment_substrings),
            payment_type=payment_type,
        )
        if from_ is not None:
            args = {"from": from_, **args}
        response = await self.request("getPayments", args)
        return parse_models(Payment, response.result, response.warnings)

    async def get_tariffs(self) -> ResultList[Tariff]:
        """getTariffs (resellers, legacy): the tariffs on offer (shape UNCONFIRMED)."""
        response = await self.request("getTariffs")
        return parse_models(Tariff, response.result, response.warnings)

    async def change_tariff(self, *, login: str, tariff_id: int) -> None:
        """changeTariff (resellers, legacy): move an account to another tariff."""
        await self.request("changeTariff", params(login=login, tariff_id=tariff_id))

    async def validate_sender(self, *, email: str, login: str | None = None) -> SenderValidation:
        """validateSender: mail a confirmation link to ``email``.

        Tell the user: "Confirmation letter has been sent to your address, you can send emails
        from this address after clicking the link". Addresses on domains whose DMARC policy
        forbids it (gmail.com, ...) are refused with InvalidArgumentError.
        """
        response = await self.request("validateSender", params(email=email, login=login))
        return parse_model(SenderValidation, response.result, response.warnings)

    async def get_checked_email(
        self, *, login: str | None = None, email: str | None = None
    ) -> ResultList[CheckedEmail]:
        """getCheckedEmail: the account's sender addresses and whether each is confirmed.

        The API documents ``login`` as required (the account's login, see
        :meth:`get_user_info`); it is optional here so a server that fills it in is not
        refused.
        """
        response = await self.request("getCheckedEmail", params(login=login, email=email))
        return parse_models(CheckedEmail, response.result, response.warnings)

    async def set_sender_domain(self, *, domain: str, username: str) -> SenderDomain:
        """setSenderDomain: register a sender domain; publish the returned DKIM key in DNS."""
        if "://" in domain or "/" in domain or not domain.strip():
            raise ClientValidationError(
                f"domain must be a bare domain name such as example.com, got {domain!r}"
            )
        response = await self.request("setSenderDomain", params(domain=domain, username=username))
        return parse_model(SenderDomain, response.result, response.warnings)

    async def get_sender_domain_list(
        self,
        *,
        username: str,
        domain: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> SenderDomainList:
        """getSenderDomainList: the sender domains and their authentication status."""
        if limit is not None and not 1 <= limit <= 100:
            raise ClientValidationError(f"limit must be between 1 and 100, got {limit}")
        response = await self.request(
            "getSenderDomainList",
            params(username=username, domain=domain, limit=limit, offset=offset),
        )
        result = as_dict(response.result)
        # The docs capitalise the keys (Domain, Status, Key); one library reads them lowercase.
        result["domains"] = [
            {str(k).lower(): v for k, v in item.items()}
            for item in as_list(result.get("domains"))
            if isinstance(item, Mapping)
        ]
        return parse_model(SenderDomainList, result, response.warnings)

    async def get_currency_rates(self) -> ResultList[CurrencyRate]:
        """getCurrencyRates: currencies with their rate to USD and minimum payment."""
        response = await self.request("getCurrencyRates")
        return parse_models(CurrencyRate, response.result, response.warnings)

    async def set_hook(
        self,
        *,
        hook_url: str,
        events: Iterable[str] | Mapping[str, str],
        event_format: str | None = None,
        single_event: bool | None = None,
        max_parallel: int | None = None,
        status: str | None = None,
    ) -> Hook:
        """setHook: install (or, for the same ``hook_url``, replace) a webhook handler.

        ``events`` is a list of event names (sent ``events[0]=...``, which the server reads
        like ``events[]=...``) or a mapping of event name to value filter (``{"subscribe":
        "*"}`` -> ``events[subscribe]=*``). ``event_format`` is e.g. ``json_post``.
        """
        if isinstance(events, str):
            raise ClientValidationError("events must be a list of names or a mapping, not a str")
        event_arg: list[str] | dict[str, str] = (
            dict(events) if isinstance(events, Mapping) else list(events)
        )
        if not event_arg:
            raise ClientValidationError("setHook needs at least one event")
        response = await self.request(
            "setHook",
            params(
                hook_url=hook_url,
                event_format=event_format,
                events=event_arg,
                single_event=single_event,
                max_parallel=max_parallel,
                status=status,
            ),
        )
        return parse_model(Hook, {"hook_url": hook_url, **as_dict(response.result)})

    async def remove_hook(self, *, hook_url: str) -> None:
        """removeHook: remove the webhook handler registered for ``hook_url``."""
        await self.request("removeHook", params(hook_url=hook_url))

    async def list_hooks(self) -> ResultList[Hook]:
        """listHooks: the installed webhook handlers (name and shape UNCONFIRMED)."""
        response = await self.request("listHooks")
        return parse_models(Hook, response.result, response.warnings)

    async def create_subscriber_note(
        self,
        *,
        content: str,
        subscriber_id: int | None = None,
        email: str | None = None,
        is_pinned: bool | None = None,
    ) -> SubscriberNote:
        """createSubscriberNote: a note on a contact (parameters UNCONFIRMED)."""
        _subscriber(subscriber_id, email)
        response = await self.request(
            "createSubscriberNote",
            params(subscriber_id=subscriber_id, email=email, content=content, is_pinned=is_pinned),
        )
        return parse_model(SubscriberNote, response.result, response.warnings)

    async def update_subscriber_note(
        self, *, id: int, content: str | None = None, is_pinned: bool | None = None
    ) -> None:
        """updateSubscriberNote: change a note's text or pin (parameters UNCONFIRMED)."""
        await self.request(
            "updateSubscriberNote", params(id=id, content=content, is_pinned=is_pinned)
        )

    async def delete_subscriber_note(self, *, id: int) -> None:
        """deleteSubscriberNote: remove a note (parameters UNCONFIRMED)."""
        await self.request("deleteSubscriberNote", params(id=id))

    async def get_subscriber_note(self, *, id: int) -> SubscriberNote:
        """getSubscriberNote: one note (parameters and shape UNCONFIRMED)."""
        response = await self.request("getSubscriberNote", params(id=id))
        return parse_model(SubscriberNote, {"id": id, **as_dict(response.result)})

    async def get_subscriber_notes(
        self, *, subscriber_id: int | None = None, email: str | None = None
    ) -> ResultList[SubscriberNote]:
        """getSubscriberNotes: a contact's notes (parameters and shape UNCONFIRMED)."""
        _subscriber(subscriber_id, email)
        response = await self.request(
            "getSubscriberNotes", params(subscriber_id=subscriber_id, email=email)
        )
        return parse_models(SubscriberNote, response.result, response.warnings)

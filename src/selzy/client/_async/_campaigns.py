"""Campaigns, their statistics and async tasks (§5.6, §5.7, §5.9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from selzy.protocol import MAX_SCHEDULE_DAYS, START_TIME_FORMAT

from .._encoding import comma_list
from .._exceptions import ClientValidationError, TaskFailedError, TaskTimeoutError
from .._model import ResultList, as_dict, parse_model, parse_models
from .._types._campaigns import (
    Campaign,
    CampaignAggregateStats,
    CampaignCommonStats,
    CampaignCreated,
    CampaignStatus,
    TaskResult,
    VisitedLinks,
)
from .._types._contacts import TaskStarted
from ._base import AsyncAPIBase, params

#: async/getTaskResult statuses of a task that is still running (§5.9).
_PENDING_TASK_STATUSES = frozenset({"new", "processing"})
# A naive start_time is read in the account's time zone, which may be up to 14 hours off UTC.
_ZONE_SLACK = dt.timedelta(hours=14)


def _start_time(
    start_time: dt.datetime | str | None, timezone: str | None
) -> tuple[str | None, str | None]:
    """``start_time`` as sent (``YYYY-MM-DD hh:mm``) and the ``timezone`` to send with it.

    An aware datetime is converted to UTC and sent with ``timezone=UTC``; a naive one is sent as
    is (the account's time zone applies unless ``timezone`` says otherwise). A datetime more than
    100 days ahead is refused.
    """
    if start_time is None or isinstance(start_time, str):
        return start_time, timezone
    now = dt.datetime.now(dt.UTC)
    if start_time.tzinfo is not None:
        if timezone is not None and timezone.upper() != "UTC":
            raise ClientValidationError(
                f"An aware start_time is sent in UTC; timezone={timezone!r} would shift it "
                "(Selzy supports only timezone='UTC'). Pass a naive datetime instead."
            )
        start_utc = start_time.astimezone(dt.UTC)
        slack = dt.timedelta(0)
        timezone = timezone or "UTC"
    else:
        start_utc = start_time.replace(tzinfo=dt.UTC)
        slack = dt.timedelta(0) if (timezone or "").upper() == "UTC" else _ZONE_SLACK
    if start_utc - now > dt.timedelta(days=MAX_SCHEDULE_DAYS) + slack:
        raise ClientValidationError(
            f"start_time {start_utc:%Y-%m-%d %H:%M} UTC is more than {MAX_SCHEDULE_DAYS} days "
            "ahead; Selzy schedules campaigns at most that far. Nothing was sent."
        )
    return start_utc.strftime(START_TIME_FORMAT), timezone


class AsyncCampaignMethods(AsyncAPIBase):
    """Campaigns, their statistics and the async tasks that deliver reports."""

    async def create_campaign(
        self,
        *,
        message_id: int,
        start_time: dt.datetime | str | None = None,
        timezone: str | None = None,
        track_read: bool | None = None,
        track_links: bool | None = None,
        contacts: str | Iterable[str] | None = None,
        contacts_url: str | None = None,
        track_ga: bool | None = None,
        ga_medium: str | None = None,
        ga_source: str | None = None,
        ga_campaign: str | None = None,
        ga_content: str | None = None,
        ga_term: str | None = None,
        payment_limit: float | None = None,
        payment_currency: str | None = None,
    ) -> CampaignCreated:
        """createCampaign: send a message to its list now, or at ``start_time``.

        ``start_time`` is a datetime or a ``"YYYY-MM-DD hh:mm"`` string, at most 100 days
        ahead; an aware datetime is sent in UTC with ``timezone="UTC"``, a naive one is read in
        the account's time zone. ``contacts`` (addresses or phones) or ``contacts_url`` (a file,
        one contact per line) narrow the recipients; not both. The integration guidelines ask
        for ``track_read=True`` and ``track_links=True``. Not retried after an ambiguous
        failure (it could send twice).
        """
        if contacts is not None and contacts_url is not None:
            raise ClientValidationError(
                "Give contacts or contacts_url, not both (Selzy refuses the pair)"
            )
        when, timezone = _start_time(start_time, timezone)
        response = await self.request(
            "createCampaign",
            params(
                message_id=message_id,
                start_time=when,
                timezone=timezone,
                track_read=track_read,
                track_links=track_links,
                contacts=comma_list(contacts),
                contacts_url=contacts_url,
                track_ga=track_ga,
                ga_medium=ga_medium,
                ga_source=ga_source,
                ga_campaign=ga_campaign,
                ga_content=ga_content,
                ga_term=ga_term,
                payment_limit=payment_limit,
                payment_currency=payment_currency,
            ),
        )
        return parse_model(CampaignCreated, response.result, response.warnings)

    async def cancel_campaign(self, *, campaign_id: int) -> None:
        """cancelCampaign: stop a campaign that has not started sending yet."""
        await self.request("cancelCampaign", params(campaign_id=campaign_id))

    async def get_campaigns(
        self,
        *,
        from_: dt.datetime | str | None = None,
        to: dt.datetime | str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> ResultList[Campaign]:
        """getCampaigns: campaigns that start between ``from_`` and ``to`` (UTC).

        ``from_`` is sent as the API's ``from`` (a Python keyword). At most 10,000 per answer.
        """
        if limit is not None and not 1 <= limit <= 10_000:
            raise ClientValidationError(f"limit must be between 1 and 10000, got {limit}")
        args = params(to=to, limit=limit, offset=offset)
        if from_ is not None:
            args = {"from": from_, **args}
        response = await self.request("getCampaigns", args)
        return parse_models(Campaign, response.result, response.warnings)

    async def get_campaign_status(self, *, campaign_id: int) -> CampaignStatus:
        """getCampaignStatus: a campaign's status and its creation and start times."""
        response = await self.request("getCampaignStatus", params(campaign_id=campaign_id))
        return parse_model(CampaignStatus, response.result, response.warnings)

    async def get_campaign_common_stats(self, *, campaign_id: int) -> CampaignCommonStats:
        """getCampaignCommonStats: sent, delivered, read, clicked, unsubscribed, spam."""
        response = await self.request("getCampaignCommonStats", params(campaign_id=campaign_id))
        return parse_model(CampaignCommonStats, response.result, response.warnings)

    async def get_campaign_delivery_stats(
        self,
        *,
        campaign_id: int,
        notify_url: str | None = None,
        changed_since: dt.datetime | str | None = None,
        field_ids: Iterable[int] | None = None,
    ) -> TaskStarted:
        """async/getCampaignDeliveryStats: start a per-address delivery report.

        Wait for it with :meth:`wait_for_task` (or :meth:`get_task_result`); ``field_ids``
        adds user-field columns, ``changed_since`` (UTC) limits it to recent changes.
        """
        response = await self.request(
            "async/getCampaignDeliveryStats",
            params(
                campaign_id=campaign_id,
                notify_url=notify_url,
                changed_since=changed_since,
                field_ids=list(field_ids) if field_ids is not None else None,
            ),
        )
        return parse_model(TaskStarted, response.result, response.warnings)

    async def get_campaign_aggregate_stats(self, *, campaign_id: int) -> CampaignAggregateStats:
        """getCampaignAggregateStats: counts per delivery status (shape UNCONFIRMED)."""
        response = await self.request("getCampaignAggregateStats", params(campaign_id=campaign_id))
        return parse_model(CampaignAggregateStats, response.result, response.warnings)

    async def get_visited_links(
        self, *, campaign_id: int, group: bool | None = None
    ) -> VisitedLinks:
        """getVisitedLinks: who clicked which link, and when (``group`` adds a ``count``)."""
        response = await self.request(
            "getVisitedLinks", params(campaign_id=campaign_id, group=group)
        )
        return parse_model(VisitedLinks, response.result, response.warnings)

    async def get_task_result(self, *, task_uuid: str) -> TaskResult:
        """async/getTaskResult: the state of an export or report task."""
        response = await self.request("async/getTaskResult", params(task_uuid=task_uuid))
        return parse_model(
            TaskResult, {"task_uuid": task_uuid, **as_dict(response.result)}, response.warnings
        )

    async def wait_for_task(
        self, task_uuid: str, *, poll_interval: float = 5.0, timeout: float = 600.0
    ) -> TaskResult:
        """Poll async/getTaskResult until the task is ``completed`` and return that result.

        Raises :class:`TaskFailedError` when the task reports any status other than ``new``,
        ``processing`` or ``completed``, and :class:`TaskTimeoutError` when it is still running
        after ``timeout`` seconds (the task itself goes on; it can be polled again).
        """
        if poll_interval <= 0:
            raise ClientValidationError(f"poll_interval must be positive, got {poll_interval}")
        if timeout < 0:
            raise ClientValidationError(f"timeout must be >= 0, got {timeout}")
        deadline = self._now() + timeout
        while True:
            result = await self.get_task_result(task_uuid=task_uuid)
            if result.completed:
                return result
            if result.status not in _PENDING_TASK_STATUSES:
                raise TaskFailedError(task_uuid, result.status)
            remaining = deadline - self._now()
            if remaining <= 0:
                raise TaskTimeoutError(task_uuid, result.status, timeout)
            await self._sleep(min(poll_interval, remaining))

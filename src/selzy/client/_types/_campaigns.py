"""Results of the campaign, statistics and async-task methods (§5.6, §5.7, §5.9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._model import Model


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCreated(Model):
    """createCampaign: the campaign's id and first status (``count`` is deprecated, always 0)."""

    campaign_id: int
    status: str = ""
    count: int = 0
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Campaign(Model):
    """One campaign of getCampaigns."""

    id: int
    status: str = ""
    start_time: dt.datetime | None = None
    message_id: int | None = None
    list_id: int | None = None
    subject: str | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    stats_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignStatus(Model):
    """getCampaignStatus: where a campaign stands; the times are aware datetimes in UTC.

    ``status`` is one of ``waits_censor``, ``censor_hold``, ``declined``, ``waits_schedule``,
    ``scheduled``, ``in_progress``, ``analysed``, ``completed``, ``stopped``, ``canceled``.
    """

    status: str = ""
    creation_time: dt.datetime | None = None
    start_time: dt.datetime | None = None
    status_comment: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignCommonStats(Model):
    """getCampaignCommonStats: the campaign's totals.

    ``read_unique`` counts contacts that opened or clicked; ``unsubscribed`` those who used the
    letter's unsubscribe link; ``spam`` the complaints.
    """

    total: int = 0
    sent: int = 0
    delivered: int = 0
    read_unique: int = 0
    read_all: int = 0
    clicked_unique: int = 0
    clicked_all: int = 0
    unsubscribed: int = 0
    spam: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignAggregateStats(Model):
    """getCampaignAggregateStats: counts per delivery status.

    The shape is UNCONFIRMED (``{"total": n, "data": {"<status>": n, ...}}`` is the best guess);
    whatever else the answer holds is kept in ``extra``.
    """

    total: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitedLinks(Model):
    """getVisitedLinks: a table of clicks, each row aligned with ``fields``.

    ``fields`` is ``email, url, request_time, ip`` (plus ``count`` when grouped).
    """

    fields: tuple[str, ...] = ()
    data: tuple[tuple[Any, ...], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Every row as a dict keyed by field name."""
        return [dict(zip(self.fields, row, strict=False)) for row in self.data]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskResult(Model):
    """async/getTaskResult: an async task's state; ``file_to_download`` once ``completed``.

    ``status`` is ``new``, ``processing`` or ``completed``; any other value means the task
    failed or expired.
    """

    task_uuid: str
    status: str = ""
    task_type: str | None = None
    file_to_download: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completed(self) -> bool:
        """True once the result file is ready."""
        return self.status == "completed"

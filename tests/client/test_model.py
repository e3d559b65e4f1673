"""Typed results read the API's drift: string ids, gappy PHP lists, single objects."""

from __future__ import annotations

import datetime as dt

import pytest

import selzy
from selzy.client._model import as_dict, as_list, parse_datetime, parse_models
from selzy.types import CampaignCommonStats, MailingList


def test_as_list_reads_every_shape() -> None:
    assert as_list(None) == []
    assert as_list("") == []
    assert as_list({}) == []
    assert as_list([1]) == [1]
    assert as_list({"0": "a", "2": "b"}) == ["a", "b"]  # PHP list with a gap
    assert as_list({"sms_id": "1.2", "price": 0.05}) == [{"sms_id": "1.2", "price": 0.05}]


def test_as_dict_reads_empty_lists_as_empty() -> None:
    assert as_dict([]) == {}
    assert as_dict(None) == {}
    assert as_dict({"a": 1}) == {"a": 1}


def test_models_coerce_and_keep_unknown_keys() -> None:
    lists = parse_models(MailingList, {"0": {"id": "12", "title": "A", "color": "red"}})
    assert lists == [MailingList(id=12, title="A", extra={"color": "red"})]
    stats = CampaignCommonStats.from_api({"total": "81962", "delivered": 81737.0})
    assert (stats.total, stats.delivered, stats.spam) == (81962, 81737, 0)


def test_timestamps_are_utc_aware() -> None:
    assert parse_datetime("2011-09-21 19:47:31") == dt.datetime(
        2011, 9, 21, 19, 47, 31, tzinfo=dt.UTC
    )
    assert parse_datetime("0000-00-00 00:00:00") is None


def test_missing_required_field_is_an_invalid_response() -> None:
    with pytest.raises(selzy.InvalidResponseError, match="no id"):
        MailingList.from_api({"title": "no id"})

"""The client's error classes and retry decision follow the protocol's table of error codes."""

from __future__ import annotations

import inspect

import pytest

import selzy
from selzy.client import _exceptions
from selzy.client._exceptions import ERROR_CLASSES, api_error_for
from selzy.client._retry import RetryPolicy, retry_delay
from selzy.protocol import ERROR_CODES, RATE_WINDOW_SECONDS, method_spec

POLICY = RetryPolicy(max_retries=3, rate_limit_jitter=0.0)


def test_every_protocol_code_has_one_class_and_no_class_is_extra() -> None:
    assert set(ERROR_CLASSES) == set(ERROR_CODES)
    assert len(set(ERROR_CLASSES.values())) == len(ERROR_CLASSES)
    # Every code-specific class is reachable from a code; the two grouping bases are not.
    concrete = {
        cls
        for _, cls in inspect.getmembers(_exceptions, inspect.isclass)
        if issubclass(cls, selzy.APIError) and cls not in (selzy.APIError, selzy.RateLimitError)
    }
    assert concrete == set(ERROR_CLASSES.values())


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_rate_limit_classes_are_the_codes_flagged_rate_limit(code: str) -> None:
    wire = ERROR_CODES[code]
    assert issubclass(ERROR_CLASSES[code], selzy.RateLimitError) is wire.rate_limit
    assert wire.retryable or not wire.rate_limit  # a rate limit is always worth waiting out


@pytest.mark.parametrize("method", ["getLists", "createCampaign"])
@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_the_protocol_flags_decide_the_retry(code: str, method: str) -> None:
    wire = ERROR_CODES[code]
    error = api_error_for(code, "refused", method)
    delay = retry_delay(
        error,
        method_spec(method),
        retries_taken=0,
        policy=POLICY,
        wall_time=6000.0 + 15.0,
        rng=lambda: 0.0,
    )
    if not wire.retryable:
        assert delay is None
    elif wire.rate_limit:
        assert delay == RATE_WINDOW_SECONDS - 15.0  # the rest of the wall-clock minute
    else:
        assert delay == POLICY.initial_delay


def test_a_code_the_protocol_does_not_know_is_not_retried() -> None:
    error = api_error_for("brand_new_code", "refused", "getLists")
    assert type(error) is selzy.APIError
    delay = retry_delay(
        error, method_spec("getLists"), retries_taken=0, policy=POLICY, wall_time=0.0
    )
    assert delay is None

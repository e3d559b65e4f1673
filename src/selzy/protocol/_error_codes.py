"""The API's error codes (REFERENCE.md §2.4) and whether a call that got one may be sent again.

An error envelope means the server answered and refused the call, so a code marked retryable is
safe to retry for every method, creates and sends included: the refused call took no effect.
The client's retry decision (``selzy.client._retry``) reads these flags and nothing else, and its
error classes are checked against this table, so a code is added here first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One documented value of the envelope's ``code``."""

    code: str
    meaning: str
    #: The call may be sent again, whatever the method: the server refused it and did nothing.
    retryable: bool = False
    #: A per-minute limit was hit: the retry waits for the next minute instead of backing off.
    rate_limit: bool = False


UNSPECIFIED: Final = "unspecified"
INVALID_API_KEY: Final = "invalid_api_key"
ACCESS_DENIED: Final = "access_denied"
UNKNOWN_METHOD: Final = "unknown_method"
INVALID_ARG: Final = "invalid_arg"
NOT_ENOUGH_MONEY: Final = "not_enough_money"
RETRY_LATER: Final = "retry_later"
LIMIT_FOR_API_KEY: Final = "api_call_limit_exceeded_for_api_key"
LIMIT_FOR_IP: Final = "api_call_limit_exceeded_for_ip"
TOO_MANY_DOUBLE_OPTINS: Final = "too_many_double_optins"
DEST_INVALID: Final = "dest_invalid"
SRC_INVALID: Final = "src_invalid"

ERROR_CODES: Final[dict[str, ErrorCode]] = {
    e.code: e
    for e in (
        ErrorCode(UNSPECIFIED, "Generic error; the message says what went wrong."),
        ErrorCode(INVALID_API_KEY, "The API key is wrong or does not match the account."),
        ErrorCode(ACCESS_DENIED, "API access is disabled, or this key may not call the method."),
        ErrorCode(UNKNOWN_METHOD, "No API method has this name."),
        ErrorCode(INVALID_ARG, "A parameter is missing or has an invalid value."),
        ErrorCode(NOT_ENOUGH_MONEY, "The account balance is too low for the operation."),
        ErrorCode(RETRY_LATER, "Temporary failure; try again later.", retryable=True),
        ErrorCode(
            LIMIT_FOR_API_KEY,
            "Too many calls with this API key in the current minute.",
            retryable=True,
            rate_limit=True,
        ),
        ErrorCode(
            LIMIT_FOR_IP,
            "Too many calls from this IP address in the current minute.",
            retryable=True,
            rate_limit=True,
        ),
        ErrorCode(TOO_MANY_DOUBLE_OPTINS, "Too many unconfirmed double opt-in subscriptions."),
        ErrorCode(DEST_INVALID, "sendSms: the recipient number is invalid."),
        ErrorCode(SRC_INVALID, "sendSms: the sender name is invalid."),
    )
}

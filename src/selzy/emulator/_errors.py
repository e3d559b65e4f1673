"""One class per wire error: the handler raises, the dispatcher turns it into an envelope.

EmulatorError                     (abstract: code is None -> envelope without "code")
├── Unspecified                   "unspecified" -- not found, wrong state, foreign object
├── InvalidApiKey                 "invalid_api_key"
├── AccessDenied                  "access_denied"
├── UnknownMethod                 "unknown_method"
├── InvalidArg                    "invalid_arg" -- missing or bad parameter
├── NotEnoughMoney                "not_enough_money"
├── RetryLater                    "retry_later"
├── LimitForApiKey                "api_call_limit_exceeded_for_api_key"
├── LimitForIp                    "api_call_limit_exceeded_for_ip"
├── TooManyDoubleOptins           "too_many_double_optins"
├── DestInvalid                   "dest_invalid"
├── SrcInvalid                    "src_invalid"
└── Uncoded                       no "code" key at all (setSenderDomain's documented errors)
"""

from __future__ import annotations

from typing import Any, ClassVar

from selzy.protocol import ERROR_CODES


class EmulatorError(Exception):
    """An API-level refusal; rendered as HTTP 200 with ``{"error": ..., "code": ...}``."""

    code: ClassVar[str | None] = None
    #: Some documented errors carry ``"result": ""`` next to the error (§2.2).
    with_empty_result: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def envelope(self) -> dict[str, Any]:
        """The JSON object the API answers with."""
        body: dict[str, Any] = {"error": self.message}
        if self.code is not None:
            body["code"] = self.code
        if self.with_empty_result:
            body["result"] = ""
        return body


class Unspecified(EmulatorError):
    """Generic refusal: unknown entity, wrong state, someone else's object."""

    code = "unspecified"
    with_empty_result = True


class InvalidApiKey(EmulatorError):
    """The key is unknown."""

    code = "invalid_api_key"


class AccessDenied(EmulatorError):
    """The key may not call this method (reseller-only methods, register without rights)."""

    code = "access_denied"


class UnknownMethod(EmulatorError):
    """No such method name."""

    code = "unknown_method"


class InvalidArg(EmulatorError):
    """A parameter is missing or has an invalid value."""

    code = "invalid_arg"
    with_empty_result = True


class NotEnoughMoney(EmulatorError):
    """The account balance does not cover the operation."""

    code = "not_enough_money"


class RetryLater(EmulatorError):
    """Temporary failure (also what fault injection uses by default)."""

    code = "retry_later"


class LimitForApiKey(EmulatorError):
    """Per-key rate limit hit."""

    code = "api_call_limit_exceeded_for_api_key"


class LimitForIp(EmulatorError):
    """Per-IP rate limit hit."""

    code = "api_call_limit_exceeded_for_ip"


class TooManyDoubleOptins(EmulatorError):
    """Legacy double opt-in limit."""

    code = "too_many_double_optins"


class DestInvalid(EmulatorError):
    """sendSms: bad recipient number."""

    code = "dest_invalid"


class SrcInvalid(EmulatorError):
    """sendSms: bad sender name."""

    code = "src_invalid"


class Uncoded(EmulatorError):
    """An error the docs show without a ``code`` key (setSenderDomain)."""

    code = None


ERROR_CLASSES: dict[str, type[EmulatorError]] = {
    cls.code: cls
    for cls in (
        Unspecified,
        InvalidApiKey,
        AccessDenied,
        UnknownMethod,
        InvalidArg,
        NotEnoughMoney,
        RetryLater,
        LimitForApiKey,
        LimitForIp,
        TooManyDoubleOptins,
        DestInvalid,
        SrcInvalid,
    )
    if cls.code is not None
}

# Every documented code has exactly one class; a new code in protocol must get one here too.
if set(ERROR_CLASSES) != set(ERROR_CODES):  # pragma: no cover - guarded by a test as well
    raise RuntimeError("emulator error classes and protocol ERROR_CODES disagree")


def error_for_code(code: str, message: str) -> EmulatorError:
    """Build the error class for a wire code (fault injection names errors by code)."""
    cls = ERROR_CLASSES.get(code)
    if cls is None:
        raise ValueError(f"unknown error code {code!r}; known: {sorted(ERROR_CLASSES)}")
    return cls(message)


def missing(name: str) -> InvalidArg:
    """§11: the emulator's wording for a missing required argument."""
    return InvalidArg(f"{name}: required argument is missing")


def not_found(entity: str, ident: object) -> Unspecified:
    """§11: the emulator's wording for an unknown id."""
    return Unspecified(f"{entity} not found (id={ident})")

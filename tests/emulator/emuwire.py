"""Raw-HTTP helpers for the emulator tests: PHP-style form bodies and envelope checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

KEY = "test-api-key"


def php_pairs(name: str, value: Any) -> list[tuple[str, Any]]:
    """Flatten a value the PHP way (what the real client sends), for building test bodies."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += php_pairs(f"{name}[{k}]", v)
        return out
    if isinstance(value, list | tuple):
        out = []
        for i, v in enumerate(value):
            out += php_pairs(f"{name}[{i}]", v)
        return out
    if isinstance(value, bool):
        return [(name, "1" if value else "0")]
    return [(name, value)]


def form(params: dict[str, Any]) -> bytes:
    """An application/x-www-form-urlencoded body with PHP brackets."""
    pairs: list[tuple[str, Any]] = []
    for k, v in params.items():
        if v is not None:
            pairs += php_pairs(k, v)
    return urlencode(pairs).encode()


class Api:
    """Raw calls: POST /en/api/{method}?format=json with a form body."""

    def __init__(self, http: httpx.Client, key: str = KEY) -> None:
        self.http = http
        self.key = key

    def raw(self, method: str, params: dict[str, Any], *, key: bool = True) -> httpx.Response:
        body = dict(params)
        if key and self.key:
            body.setdefault("api_key", self.key)
        body.setdefault("platform", "TestSuite")
        return self.http.post(
            f"/en/api/{method}?format=json",
            content=form(body),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def envelope(self, method: str, key: bool = True, **params: Any) -> dict[str, Any]:
        response = self.raw(method, params, key=key)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        data: dict[str, Any] = response.json()
        return data

    def __call__(self, method: str, **params: Any) -> Any:
        data = self.envelope(method, **params)
        assert "error" not in data, data
        return data["result"]

    def error(self, method: str, **params: Any) -> dict[str, Any]:
        data = self.envelope(method, **params)
        assert "error" in data, data
        return data

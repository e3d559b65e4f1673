"""Control-plane arguments: a JSON object, or query and form fields, and how values read.

People call the control plane with curl forms (``lists=A,B``) and tests with JSON (``["A"]``),
so the readers accept both spellings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .._params import build_tree, text_of, urlencoded_pairs


def content_type(headers: Mapping[str, str]) -> str:
    """The Content-Type header by any spelling of its name, "" when absent."""
    return {k.lower(): v for k, v in headers.items()}.get("content-type", "")


def read_args(headers: Mapping[str, str], query: bytes, body: bytes) -> dict[str, Any]:
    """A JSON body as it is, else query and form fields as text (form wins over query)."""
    ctype = content_type(headers)
    if "json" in ctype and body:
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data
    tree = build_tree(urlencoded_pairs(query))
    if body and "multipart" not in ctype:
        tree.update(build_tree(urlencoded_pairs(body)))
    out: dict[str, Any] = {}
    for key, node in tree.items():
        out[key] = (
            text_of(node) if not isinstance(node, dict) else [text_of(v) for v in node.values()]
        )
    return out


def given(args: Mapping[str, Any], readers: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The arguments in `readers` that are present and not empty, each read by its reader.

    The rest are left out, so the Python method called with them applies its own defaults and
    the control plane keeps no copy of them.
    """
    return {name: read(args[name]) for name, read in readers.items() if args.get(name)}


def csv_list(value: Any) -> list[str]:
    """A JSON list, or comma-separated text with blanks dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def field_types(value: Any) -> dict[str, str]:
    """User fields as ``{name: type}``: a JSON object, or ``Name:string,Age:number`` text."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for item in csv_list(value):
        name, _, ftype = item.partition(":")
        out[name.strip()] = (ftype or "string").strip()
    return out


def flag(value: Any, default: bool = False) -> bool:
    """A JSON boolean, or 1/true/yes/on (any case) as text; `default` when absent."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")

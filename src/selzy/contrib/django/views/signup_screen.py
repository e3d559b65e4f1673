"""The admin's **Sign-up forms** screen: the site's forms, where their sign-ups stand, and the
lists' confirmation letter.

Selzy sends its confirmation letter from the first list of a subscribe call, and refuses the
call while that list has none (``These list ids="..." has no confirmation letters``): the
sign-ups then wait in the queue (nothing is lost), the screen says why, and the letter is set
here (updateOptInEmail), which sends them at once. **Try again now** does the same after any
other fix (a new key, API access enabled).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from selzy import SelzyError

from ..client import connected_client
from ..conf import selzy_settings
from ..forms_sending import OptInLetterForm
from ..models import Connection, SignUp
from ..signup_queue import queue_state, retry_now
from ..signups import unmapped_fields
from ._common import MANAGE, explain, form_data, render, require, setup_redirect
from .sending import sender_list
from .signup import signup_path


def _list_titles() -> tuple[dict[int, str], str]:
    """The account's lists by id (getLists), or why they could not be read."""
    try:
        with connected_client() as client:
            return {lst.id: lst.title for lst in client.get_lists()}, ""
    except SelzyError as error:
        return {}, explain(error)


def _letter_lists(titles: dict[int, str]) -> list[tuple[int, str]]:
    """The lists whose confirmation letter a form needs: the module's list and any a form
    names, with Selzy's titles."""
    connection = Connection.current()
    ids: dict[int, None] = {}
    for config in selzy_settings().signup_forms.values():
        list_id = config.list_id or connection.list_id
        if config.confirmation_letter and list_id:
            ids[list_id] = None
    if connection.list_id:
        ids.setdefault(connection.list_id, None)
    return [(i, f"{titles.get(i, connection.list_title or 'List')} (#{i})") for i in ids]


def _rows(titles: dict[int, str]) -> list[dict[str, Any]]:
    connection = Connection.current()
    counts: dict[str, Counter[str]] = {}
    for row in SignUp.objects.values("form_key", "status").annotate(n=Count("pk")):
        counts.setdefault(row["form_key"], Counter())[row["status"]] = row["n"]
    rows = []
    for key, config in selzy_settings().signup_forms.items():
        list_id = config.list_id or connection.list_id
        rows.append(
            {
                "key": key,
                "list": f"{titles.get(list_id, '?')} (#{list_id})" if list_id else "none chosen",
                "module_list": config.list_id is None,
                "letter": config.confirmation_letter,
                "version": config.consent_version,
                "url": signup_path(key),
                "waiting": counts.get(key, Counter())["pending"]
                + counts.get(key, Counter())["sending"],
                "counts": counts.get(key, Counter()),
                "unmapped": unmapped_fields(config),
            }
        )
    return rows


@require(MANAGE)
def signup_forms(request: HttpRequest) -> HttpResponse:
    """The forms, the queue's state, the confirmation letter form and **Try again now**."""
    if (early := setup_redirect(request, need_list=False)) is not None:
        return early
    if request.method == "POST" and request.POST.get("action") == "retry":
        waiting = retry_now()
        messages.success(request, f"{waiting} waiting sign-up(s) are being sent again.")
        return redirect("admin:selzy_signups")
    titles, lists_error = _list_titles()
    lists = _letter_lists(titles)
    try:
        senders = [s.email for s in sender_list() if s.is_checked]
        senders_error = ""
    except SelzyError as error:
        senders, senders_error = [], explain(error)
    form = OptInLetterForm(form_data(request), lists=lists, senders=senders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with connected_client() as client:
                client.update_opt_in_email(
                    list_id=data["list_id"],
                    sender_name=data["sender_name"],
                    sender_email=data["sender_email"],
                    subject=data["subject"],
                    body=data["body"],
                )
        except SelzyError as error:
            form.add_error(None, explain(error))
        else:
            retry_now()
            messages.success(
                request,
                f"The confirmation letter of list #{data['list_id']} has been saved. Sign-ups "
                "waiting for it are sent now.",
            )
            return redirect("admin:selzy_signups")
    context = {
        "forms": _rows(titles),
        "queue": queue_state(),
        "form": form,
        "lists_error": lists_error,
        "senders_error": senders_error,
    }
    return render(request, "selzy/signups.html", "Sign-up forms", context)

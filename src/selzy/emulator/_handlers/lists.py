"""§5.1 Lists."""

from __future__ import annotations

from typing import Any

from .._call import Call, api
from .._errors import InvalidArg
from .._state import MailList
from ._common import get_list


def _unique_title(call: Call, title: str, *, except_id: int | None = None) -> str:
    title = title.strip()
    other = call.account.list_by_title(title)
    if other is not None and other.id != except_id:
        raise InvalidArg(f'title: a list called "{title}" already exists (id {other.id})')
    return title


@api("getLists")
def get_lists(call: Call) -> list[dict[str, Any]]:
    """All lists of the account."""
    return [{"id": lst.id, "title": lst.title} for lst in call.account.lists.values()]


@api("createList")
def create_list(call: Call) -> dict[str, Any]:
    """A new list; titles are unique within an account (§5.1)."""
    title = _unique_title(call, call.params.req_text("title"))
    lst = MailList(
        id=call.state.next_id("list"),
        title=title,
        created=call.now,
        before_subscribe_url=call.params.text("before_subscribe_url") or "",
        after_subscribe_url=call.params.text("after_subscribe_url") or "",
    )
    call.account.lists[lst.id] = lst
    return {"id": lst.id}


@api("updateList")
def update_list(call: Call) -> list[Any]:
    """Rename a list or change its redirect URLs."""
    lst = get_list(call.account, call.params.req_int("list_id"))
    if call.params.has("title"):
        lst.title = _unique_title(call, call.params.req_text("title"), except_id=lst.id)
    for name in ("before_subscribe_url", "after_subscribe_url"):
        value = call.params.text(name)
        if value is not None:
            setattr(lst, name, value)
    return []


@api("deleteList")
def delete_list(call: Call) -> list[Any]:
    """Delete a list; contacts stay in the account, only their membership goes."""
    lst = get_list(call.account, call.params.req_int("list_id"))
    del call.account.lists[lst.id]
    for contact in call.account.contacts.values():
        contact.email_lists.pop(lst.id, None)
        contact.phone_lists.pop(lst.id, None)
    return []


@api("getContactCount")
def get_contact_count(call: Call) -> dict[str, Any]:
    """Contacts in a list, optionally by tag and by channel with a search string."""
    account = call.account
    lst = get_list(account, call.params.req_int("list_id"))
    params = call.params.mapping("params")
    tag_text = params.get("tagId")
    tag_id: int | None = None
    if isinstance(tag_text, str) and tag_text.strip():
        try:
            tag_id = int(tag_text)
        except ValueError:
            raise InvalidArg(f"params[tagId]: {tag_text!r} is not an integer") from None
    kind = params.get("type")
    # The docs say address|phone, libraries send email: both mean the email channel (§5.1).
    if kind not in (None, "", "address", "email", "phone"):
        raise InvalidArg("params[type]: expected address, email or phone")
    search = params.get("search")
    search_text = search.lower() if isinstance(search, str) and search else ""
    if search_text and kind in (None, ""):
        raise InvalidArg("params[search]: only allowed together with params[type]")
    count = 0
    for contact in account.contacts.values():
        if kind == "phone":
            in_list, value = lst.id in contact.phone_lists, contact.phone or ""
        else:
            in_list = lst.id in contact.email_lists or (
                kind in (None, "") and lst.id in contact.phone_lists
            )
            value = contact.email or ""
        if not in_list or (tag_id is not None and tag_id not in contact.tags):
            continue
        if search_text and search_text not in value.lower():
            continue
        count += 1
    search_params: dict[str, Any] = {}
    if tag_id is not None:
        search_params["tagIds"] = str(tag_id)
    if kind:
        search_params["type"] = kind
    return {"listId": lst.id, "searchParams": search_params, "count": count}


@api("getTotalContactsCount")
def get_total_contacts_count(call: Call) -> dict[str, Any]:
    """Size of the whole contact base of the account named by `login`."""
    login = call.params.req_text("login")
    account = call.state.by_login.get(login)
    if account is None or (
        account is not call.account and account.parent_login != call.account.login
    ):
        raise InvalidArg(f"login: {login!r} is not your account login")
    return {"total": len(account.contacts)}

"""Routes that serve bytes: stored files (exports, contacts_url segments) and attachments."""

from __future__ import annotations

from .._reply import Reply, json_reply, text_reply
from ._table import ANY, ControlRequest, control


@control("PUT", "files/{name*}", raw=True)
@control("POST", "files/{name*}", raw=True)
def store_file(req: ControlRequest) -> Reply:
    """Store the body as a file (e.g. a contacts_url segment); answers its URL."""
    name = req.params["name"]
    req.emu.state.files[name] = (req.content_type or "application/octet-stream", req.body)
    return json_reply({"url": f"{req.base_url}/_emulator/files/{name}"})


@control(ANY, "files/{name*}", raw=True)
def serve_file(req: ControlRequest) -> Reply:
    """A stored or exported file with the type it was stored with."""
    # Served without the main lock: createCampaign may be downloading it under the lock.
    found = req.emu.state.files.get(req.params["name"])
    if found is None:
        return text_reply("no such file", 404)
    return Reply(200, [("Content-Type", found[0])], found[1])


@control(ANY, "attachments/{message_id}/{name}")
def attachment(req: ControlRequest) -> Reply:
    """The bytes of one attachment of a message (the URL getMessage gives)."""
    emu, message_id, name = req.emu, req.params["message_id"], req.params["name"]
    with emu.lock:
        for account in emu.state.accounts.values():
            for msg in account.messages.values():
                if str(msg.id) != message_id:
                    continue
                for item in msg.attachments:
                    if item.name == name:
                        return Reply(
                            200, [("Content-Type", "application/octet-stream")], item.content
                        )
    return text_reply("no such attachment", 404)

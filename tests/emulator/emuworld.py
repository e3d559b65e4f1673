"""A small world for feedback tests: one emulator, one account, a hook that keeps every signed
event it receives, raw API calls, and the campaign and report helpers those tests share."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

import httpx
from emuwire import KEY, Api

from selzy.emulator import Emulator, as_httpx_handler, verify_webhook

HOOK = "https://crm.example/selzy/webhook/"
EVENTS = ("email_status", "campaign_status", "subscribe", "unsubscribe")
BODY = (
    '<p>Привет 👋</p><a href="https://shop.example/a">A</a> '
    '<a href="https://shop.example/b?x=1&amp;y=2">B</a>'
)


class World:
    """An emulator whose hook receiver answers `status` (200 unless a test says otherwise)."""

    def __init__(self, seed: int = 11, *, single_event: bool = False) -> None:
        self.status = 200
        self.bodies: list[bytes] = []
        self.emu = Emulator(seed=seed, webhook_sender=self._receive)
        self.seeded = self.emu.seed_account(KEY, fields={"Name": "string"})
        self.list_id = self.seeded.list_ids["Newsletter"]
        self.http = httpx.Client(
            transport=httpx.MockTransport(as_httpx_handler(self.emu)),
            base_url="https://api.selzy.com",
        )
        self.api = Api(self.http)
        self.api("setHook", hook_url=HOOK, events=list(EVENTS), single_event=int(single_event))

    def _receive(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if self.status == 200:
            assert verify_webhook(body, KEY), body
            self.bodies.append(body)
        return self.status

    def close(self) -> None:
        self.http.close()

    # ----------------------------------------------------------------- what the hook heard

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every received event as ``{"event_name", "event_time", **data}``, in arrival order."""
        out: list[dict[str, Any]] = []
        for body in self.bodies:
            payload = json.loads(body)
            if "events_by_user" not in payload:
                skip = {"auth", "login", "retry_count"}
                out.append({k: v for k, v in payload.items() if k not in skip})
                continue
            for group in payload["events_by_user"]:
                for e in group["events"]:
                    out.append(
                        {"event_name": e["event_name"], "event_time": e["event_time"]}
                        | e["event_data"]
                    )
        return [e for e in out if name is None or e["event_name"] == name]

    def statuses(self, campaign_id: int | None = None) -> Counter[str]:
        """email_status events counted by status (of one campaign, when given)."""
        return Counter(
            e["status"]
            for e in self.events("email_status")
            if campaign_id is None or e.get("campaign_id") == campaign_id
        )

    # ----------------------------------------------------------------- setting up and reading

    def import_contacts(self, emails: list[str]) -> None:
        for start in range(0, len(emails), 500):
            rows = [
                [email, str(self.list_id), f"Имя {i} 🎉"]
                for i, email in enumerate(emails[start : start + 500], start=start)
            ]
            result = self.api(
                "importContacts", field_names=["email", "email_list_ids", "Name"], data=rows
            )
            assert result["invalid"] == 0, result["log"]

    def campaign(self, **options: Any) -> int:
        message = self.api(
            "createEmailMessage",
            sender_name="Shop",
            sender_email="news@example.com",
            subject="Sale",
            body=BODY,
            list_id=self.list_id,
        )
        options = {"track_read": 1, "track_links": 1} | options
        return int(
            self.api("createCampaign", message_id=message["message_id"], **options)["campaign_id"]
        )

    def stats(self, campaign_id: int) -> dict[str, int]:
        result: dict[str, int] = self.api("getCampaignCommonStats", campaign_id=campaign_id)
        return result

    def download(self, task: dict[str, Any]) -> list[dict[str, str]]:
        result = self.api("async/getTaskResult", task_uuid=task["task_uuid"])
        assert result["status"] == "completed"
        text = self.http.get(result["file_to_download"]).content.decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    def report(self, campaign_id: int) -> dict[str, str]:
        """The delivery report: email -> send_result."""
        task = self.api("async/getCampaignDeliveryStats", campaign_id=campaign_id)
        return {row["email"]: row["send_result"] for row in self.download(task)}

    def export(self, *names: str) -> dict[str, dict[str, str]]:
        """async/exportContacts of the list with these columns, by lowercased email."""
        task = self.api("async/exportContacts", list_id=self.list_id, field_names=list(names))
        return {row["email"].lower(): row for row in self.download(task)}

    def contact(self, email: str) -> dict[str, Any]:
        result: dict[str, Any] = self.api("getContact", email=email, include_lists=1)
        return result

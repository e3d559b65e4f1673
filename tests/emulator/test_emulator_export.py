"""exportContacts files: byte for byte the CSV a reader expects, written row by row."""

from __future__ import annotations

import csv
import io

import httpx
from emuwire import Api

from selzy.emulator import SeededAccount

NOTES = 'She said "hi", then\nleft; Привет 👋'


def exported(api: Api, http: httpx.Client, **params: object) -> bytes:
    task = api("async/exportContacts", **params)
    result = api("async/getTaskResult", task_uuid=task["task_uuid"])
    return http.get(result["file_to_download"]).content


def test_the_file_is_the_csv_module_s_own(
    api: Api, http: httpx.Client, seeded: SeededAccount
) -> None:
    list_id = seeded.list_ids["Newsletter"]
    api("createField", name="Notes", type="text")
    api(
        "importContacts",
        field_names=["email", "email_list_ids", "Name", "Notes", "tags"],
        data=[
            ["Ann@Example.org", str(list_id), "Анна", NOTES, "vip,Ёлка"],
            ["bob@example.org", str(list_id), "Bob, Jr.", "", ""],
            ["carl@example.org", "", "Carl", "", ""],
        ],
    )
    names = ["email", "Name", "Notes", "tags", "email_list_ids", "email_status"]
    body = exported(api, http, list_id=list_id, field_names=names)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerow(["Ann@Example.org", "Анна", NOTES, "vip,Ёлка", str(list_id), "new"])
    writer.writerow(["bob@example.org", "Bob, Jr.", "", "", str(list_id), "new"])
    assert body == expected.getvalue().encode("utf-8")
    assert list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))[1][2] == NOTES


def test_filters_and_the_legacy_window_read_the_same_rows(
    api: Api, http: httpx.Client, seeded: SeededAccount
) -> None:
    list_id = seeded.list_ids["Newsletter"]
    rows = [[f"p{i}@example.org", str(list_id), "tagged" if i % 3 == 0 else ""] for i in range(25)]
    api("importContacts", field_names=["email", "email_list_ids", "tags"], data=rows)
    one = exported(api, http, email="P7@Example.org", field_names=["email"])
    assert one == b"email\r\np7@example.org\r\n"
    assert exported(api, http, email="nobody@example.org", field_names=["email"]) == b"email\r\n"
    tagged = exported(api, http, tag="tagged", field_names=["email"]).decode().split("\r\n")
    assert tagged[1:-1] == [f"p{i}@example.org" for i in range(0, 25, 3)]
    whole = exported(api, http, field_names=["email", "email_add_time"]).decode().split("\r\n")
    window = api("exportContacts", field_names=["email", "email_add_time"], offset=20, limit=3)[
        "data"
    ]
    assert [",".join(row) for row in window] == whole[21:24]
    assert api("exportContacts", field_names=["email"], offset=40)["data"] == []

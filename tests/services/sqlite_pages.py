"""Page actions from several people at once, against the embedded default (SQLite), run by
test_sqlite_embedded.py as a process of its own: `python -m tests.services.sqlite_pages N`.

Each of the demo's three delegates, in a thread of their own, drafts N proposals through the
draft page and invites the other two to co-sign each (a notification, and so deliveries, per
invitation), while the committee's member reads and clears their notifications. Prints one
JSON line: the statuses the pages answered, and how many invitations were made."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from org.demo import DEMO_PASSWORD  # noqa: E402
from proposals.models import Category  # noqa: E402
from proposals.selectors import current_session  # noqa: E402

DELEGATES = ["daibiao", "daibiao2", "daibiao3"]
statuses: Counter[int] = Counter()
invited = Counter()
errors: list[str] = []
lock = threading.Lock()


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD), username
    return client


def delegate(username: str, rounds: int, session_pk: int, category_pk: int, others: list[int]) -> None:
    client = signed_in(username)
    for i in range(rounds):
        r = client.post(
            "/proposals/new/",
            {
                "title": f"{username} 的第 {i + 1} 件提案",
                "category": category_pk,
                "reason": "教职工反映较多，需要学校研究解决。",
                "suggestion": "建议相关部门调研后提出办法。",
                "session": session_pk,
            },
        )
        with lock:
            statuses[r.status_code] += 1
        found = re.search(r"/proposals/(\d+)/", r.get("Location", ""))
        if r.status_code != 302 or not found:
            with lock:
                errors.append(f"{username} draft: {r.status_code}")
            continue
        r = client.post(f"/proposals/{found.group(1)}/invite/", {"delegates": others})
        with lock:
            statuses[r.status_code] += 1
            if r.status_code == 302:
                invited[username] += len(others)
            else:
                errors.append(f"{username} invite: {r.status_code}")


def committee_reads(rounds: int) -> None:
    client = signed_in("tiwei")
    for _ in range(rounds):
        for r in (client.get("/notifications/"), client.post("/notifications/read-all/")):
            with lock:
                statuses[r.status_code] += 1


def main(rounds: int) -> None:
    users = {u.username: u.pk for u in get_user_model().objects.filter(username__in=DELEGATES)}
    session = current_session()
    assert session is not None, "the demo's session is collecting"
    category = Category.objects.order_by("pk").first()
    assert category is not None
    threads = [
        threading.Thread(
            target=delegate,
            args=(name, rounds, session.pk, category.pk, [pk for n, pk in users.items() if n != name]),
        )
        for name in DELEGATES
    ]
    threads.append(threading.Thread(target=committee_reads, args=(rounds,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"statuses": dict(statuses), "invited": sum(invited.values()), "errors": errors}))


if __name__ == "__main__":
    main(int(sys.argv[1]))

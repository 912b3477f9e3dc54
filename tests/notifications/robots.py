"""A local stand-in for WeCom's and DingTalk's group robot endpoints.

It answers the way the platforms do: HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``
for a well-formed message, an errcode for a malformed one, and for DingTalk it checks
the ``timestamp`` and ``sign`` query parameters against the robot's secret (computed
here independently of the code under test)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"


def real_time() -> float:
    """The wall clock, even while the test process travels in time (tests/conftest.py)."""
    from time_machine import escape_hatch

    return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()


@dataclass
class Post:
    kind: str  # "wecom" or "dingtalk"
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class RobotServer:
    dingtalk_secret: str = "SEC0123456789abcdef"
    posts: list[Post] = field(default_factory=list)
    rejected: list[Any] = field(default_factory=list)  # (query, expected sign) of refused signatures
    # (status, body) to answer with instead of success, e.g. (500, "oops") or (200, '{"errcode": 93000}')
    answer: tuple[int, str] | None = None
    # The robot's own clock for DingTalk's timestamp check: this process's (time-travelled in
    # tests), or real_time() when the sender is a worker in another process on the real clock.
    clock: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> RobotServer:
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = robot._handle(parts.path, query, raw, self.headers.get("Content-Type", ""))
                data = reply.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wecom_url(self, key: str = "wecom-key") -> str:
        return f"{self.base}{WECOM_PATH}?key={key}"

    def dingtalk_url(self, token: str = "dingtalk-token") -> str:
        return f"{self.base}{DINGTALK_PATH}?access_token={token}"

    def of(self, kind: str) -> list[Post]:
        with self._lock:
            return [p for p in self.posts if p.kind == kind]

    def _handle(self, path: str, query: dict[str, str], raw: bytes, content_type: str) -> tuple[int, str]:
        if self.answer is not None:
            return self.answer
        if "application/json" not in content_type:
            return 200, json.dumps({"errcode": 40008, "errmsg": "invalid message type"})
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 200, json.dumps({"errcode": 40035, "errmsg": "invalid json"})
        if path == WECOM_PATH:
            if not query.get("key"):
                return 200, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"})
            if body.get("msgtype") != "markdown" or not body.get("markdown", {}).get("content"):
                return 200, json.dumps({"errcode": 40008, "errmsg": "invalid message type"})
            kind = "wecom"
        elif path == DINGTALK_PATH:
            if not self._signed(query):
                return 200, json.dumps({"errcode": 310000, "errmsg": "sign not match"})
            md = body.get("markdown", {})
            if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
                return 200, json.dumps({"errcode": 40035, "errmsg": "missing param"})
            kind = "dingtalk"
        else:
            return 404, "not found"
        with self._lock:
            self.posts.append(Post(kind=kind, query=query, body=body))
        return 200, json.dumps({"errcode": 0, "errmsg": "ok"})

    def _signed(self, query: dict[str, str]) -> bool:
        try:
            timestamp = int(query["timestamp"])
        except (KeyError, ValueError):
            self.rejected.append((query, "no timestamp"))
            return False
        if abs(self.clock() * 1000 - timestamp) > 3600 * 1000:  # DingTalk allows an hour
            self.rejected.append((query, "timestamp too far off"))
            return False
        string_to_sign = f"{timestamp}\n{self.dingtalk_secret}".encode()
        expected = base64.b64encode(
            hmac.new(self.dingtalk_secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
        ).decode()
        # parse_qs has already undone the URL encoding of the sign.
        ok = hmac.compare_digest(query.get("sign", ""), expected)
        if not ok:
            self.rejected.append((query, expected))
        return ok

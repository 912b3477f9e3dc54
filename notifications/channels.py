"""Sending one message through one outside channel: e-mail, a WeCom or a DingTalk group robot.

Each sender either returns (the platform accepted the message), raises ``Skip``
(there is nobody or nothing to send to: not an error, not retried) or raises
``SendError`` with a reason an admin can read (retried with backoff).

A delivery may be sent more than once (its worker died after the platform took the
message and before the row was marked sent), so every e-mail carries the delivery's
fixed Message-ID. The group robots' webhooks take no such key: WeCom's
``cgi-bin/webhook/send`` and DingTalk's ``robot/send`` accept only the message itself
and post every request, so a robot's group may see such a message twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from .messages import Message, display_name
from .models import Channel, WebhookChannel, webhook_url_problem


class Skip(Exception):
    """Nothing to send to; the delivery is recorded as skipped with this reason."""


class SendError(Exception):
    """The channel refused or could not be reached; the delivery is retried."""


class WebhookError(SendError):
    """A group robot failed; its channel is marked failing with this reason."""


def send(channel: str, message: Message, user: Any, webhook: WebhookChannel | None, *, message_id: str = "") -> None:
    if channel == Channel.EMAIL:
        send_email(message, user, message_id=message_id)
    elif channel in (Channel.WECOM, Channel.DINGTALK):
        if webhook is None:
            raise Skip(_("未配置%(channel)s群机器人。") % {"channel": Channel(channel).label})
        post_robot(webhook, message, user)
    else:
        raise Skip(_("未知的渠道：%(channel)s") % {"channel": channel})


# E-mail -------------------------------------------------------------------------------


def send_email(message: Message, user: Any, *, message_id: str = "") -> None:
    """``message_id`` (``<...@host>``) replaces the one Django would make up for each attempt:
    the same delivery sent twice must be recognisable as one message."""
    if not (user.email or "").strip():
        raise Skip(_("该用户没有电子邮件地址。"))
    headers = {"Message-ID": message_id} if message_id else None
    EmailMessage(subject=message.subject, body=message.text, to=[user.email], headers=headers).send()


# Group robots ---------------------------------------------------------------------------


def post_robot(webhook: WebhookChannel, message: Message, user: Any) -> None:
    problem = webhook_url_problem(webhook.url)
    if problem:
        raise WebhookError(problem)
    if webhook.kind == Channel.WECOM:
        _post(webhook.url, wecom_payload(message))
    else:
        _post(dingtalk_signed_url(webhook.url, webhook.secret), dingtalk_payload(message, user))


def wecom_payload(message: Message) -> dict[str, Any]:
    """WeCom group robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
    (markdown content at most 4096 bytes)."""
    return {"msgtype": "markdown", "markdown": {"content": _truncate(message.markdown, 4096)}}


def dingtalk_payload(message: Message, user: Any) -> dict[str, Any]:
    """DingTalk custom robot: markdown with a title; @ the user by mobile number when we have one
    (DingTalk shows the mention only when the number also appears in the text)."""
    text = message.markdown
    mobile = _mobile(user)
    if mobile:
        text = f"{text}\n\n@{mobile}"
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.subject or display_name(user), "text": _truncate(text, 5000)},
        "at": {"atMobiles": [mobile] if mobile else [], "isAtAll": False},
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's "加签": base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={ts}&sign={quote_plus(dingtalk_sign(secret, ts))}"


def _post(url: str, payload: dict[str, Any]) -> None:
    """POST JSON; both platforms answer HTTP 200 with {"errcode": 0} when they took the message."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    where = _redacted(url)
    try:
        # The scheme was checked by the caller: only https (or an allowed local test host).
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            body = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode(errors="replace")
        raise WebhookError(
            _("%(where)s 返回 HTTP %(status)d：%(detail)s") % {"where": where, "status": exc.code, "detail": detail}
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(_("无法连接 %(where)s：%(reason)s") % {"where": where, "reason": reason}) from exc
    try:
        answer = json.loads(body)
        errcode = int(answer.get("errcode", -1))
    except (ValueError, TypeError, AttributeError) as exc:
        raise WebhookError(_("%(where)s 的应答不是预期的 JSON。") % {"where": where}) from exc
    if errcode != 0:
        raise WebhookError(
            _("%(where)s 拒绝了消息：errcode %(code)d，%(message)s")
            % {"where": where, "code": errcode, "message": answer.get("errmsg", "")}
        )


def _redacted(url: str) -> str:
    """The URL without its query: the key or access token is a credential and errors are shown to admins."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _mobile(user: Any) -> str:
    try:
        return (user.profile.mobile or "").strip()
    except AttributeError:
        return ""


def _truncate(text: str, max_bytes: int) -> str:
    raw = text.encode()
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode(errors="ignore") + "…"

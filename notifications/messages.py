"""What each channel says: Chinese through gettext, the notification's title and a link to the item.

Rendered in the site language (settings.LANGUAGE_CODE): a worker has no request to
take a language from, and the recipients read Chinese."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Notification


@dataclass(frozen=True)
class Message:
    subject: str  # e-mail subject, DingTalk title
    text: str  # plain text: the e-mail body
    markdown: str  # WeCom and DingTalk markdown


def _footer() -> str:
    return _("（本邮件由教代会提案系统自动发送，请勿直接回复。）")


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + (path or reverse("notifications:inbox"))


def display_name(user: Any) -> str:
    try:
        return user.profile.full_name or user.get_username()
    except AttributeError:  # no profile (an admin account, say)
        return user.get_username()


def _md(text: str) -> str:
    """Keep a title from being read as markdown link syntax."""
    return text.replace("[", "【").replace("]", "】")


def single(notification: Notification, user: Any) -> Message:
    with translation.override(settings.LANGUAGE_CODE):
        name = display_name(user)
        url = absolute_url(notification.link)
        title = notification.title
        lines = [_("%(name)s，您好：") % {"name": name}, "", title]
        if notification.body:
            lines += ["", notification.body]
        lines += ["", _("查看详情：%(url)s") % {"url": url}, "", _footer()]
        markdown = "\n\n".join(
            [
                _("**%(name)s**，您有一条新通知：") % {"name": _md(name)},
                f"[{_md(title)}]({url})",
                *([notification.body] if notification.body else []),
            ]
        )
        return Message(subject=title, text="\n".join(lines), markdown=markdown)


def digest(notifications: Sequence[Notification], user: Any, day: datetime | None = None) -> Message:
    """One message for a day's worth of notifications, oldest first."""
    with translation.override(settings.LANGUAGE_CODE):
        name = display_name(user)
        count = len(notifications)
        date = timezone.localtime(day or timezone.now()).date().isoformat()
        subject = ngettext(
            "每日通知汇总（%(date)s）：%(count)d 条新通知",
            "每日通知汇总（%(date)s）：%(count)d 条新通知",
            count,
        ) % {"date": date, "count": count}
        lines = [_("%(name)s，您好：") % {"name": name}, ""]
        items = []
        for i, n in enumerate(notifications, 1):
            url = absolute_url(n.link)
            lines.append(f"{i}. {n.title}\n   {url}")
            items.append(f"{i}. [{_md(n.title)}]({url})")
        lines += ["", _("全部通知：%(url)s") % {"url": absolute_url(reverse("notifications:inbox"))}]
        lines += ["", _footer()]
        markdown = "\n\n".join(
            [_("**%(name)s**，%(subject)s") % {"name": _md(name), "subject": subject}, "\n".join(items)]
        )
        return Message(subject=subject, text="\n".join(lines), markdown=markdown)

"""/notifications/preferences/: the page where a user chooses how else to be told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Preference
from notifications.preferences import user_preferences

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


def test_the_inbox_links_to_the_preferences(client, people):
    client.force_login(people["alice"])
    assert f'href="{URL}"' in client.get(reverse("notifications:inbox")).content.decode()


def test_it_shows_every_kind_with_labelled_checkboxes(client, people):
    client.force_login(people["alice"])
    body = client.get(URL).content.decode()

    for label in ("通知设置", "全部事项", "提案进展", "交办事项", "催办与到期提醒", "电子邮件", "企业微信", "钉钉"):
        assert label in body, label
    # Native checkboxes, each with its own label: usable with the keyboard and a screen reader.
    assert 'type="checkbox" name="all_channels" value="email"' in body and "checked" in body
    assert '<label for="id_all_channels_0">' in body
    assert "<legend>全部事项</legend>" in body
    assert "没有登记电子邮件地址" not in body


def test_it_saves_the_choices(client, people):
    alice = people["alice"]
    client.force_login(alice)

    r = client.post(
        URL,
        {"all_channels": ["email"], "all_digest": "on", "reminder_custom": "on", "reminder_channels": ["dingtalk"]},
    )

    assert r.status_code == 302 and r.url == URL
    rows = {row["event_kind"]: row for row in user_preferences(user=alice)}
    assert (rows["*"]["channels"], rows["*"]["digest"]) == (["in_app", "email"], True)
    assert (rows["reminder"]["channels"], rows["reminder"]["digest"]) == (["in_app", "dingtalk"], False)
    assert rows["proposal"]["custom"] is False and rows["proposal"]["digest"] is True
    assert "通知设置已保存。" in client.get(URL).content.decode()


def test_unticking_everything_turns_the_outside_channels_off(client, people):
    alice = people["alice"]
    client.force_login(alice)

    assert client.post(URL, {}).status_code == 302

    assert user_preferences(user=alice)[0]["channels"] == ["in_app"]


def test_it_warns_a_user_without_an_email_address(client, people):
    alice = people["alice"]
    alice.email = ""
    alice.save()
    client.force_login(alice)
    assert "没有登记电子邮件地址" in client.get(URL).content.decode()


def test_it_refuses_an_unknown_channel(client, people):
    client.force_login(people["alice"])
    r = client.post(URL, {"all_channels": ["sms"]})
    assert r.status_code == 200
    assert not Preference.objects.filter(user=people["alice"]).exists()


def test_it_is_only_for_signed_in_users(client):
    r = client.get(URL)
    assert r.status_code == 302 and reverse("login") in r.url

"""Sign-in, sign-out and where each role lands."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_signs_in_with_the_right_password(client, people):
    r = client.post(reverse("login"), {"username": "alice", "password": "pw"})
    assert r.status_code == 302
    assert r.url == reverse("home")
    r = client.get(reverse("home"))
    assert r.status_code == 302
    assert r.url == reverse("proposals:mine")


def test_it_shows_a_chinese_error_for_a_wrong_password(client, people):
    r = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "请输入一个正确的" in body
    assert 'value="alice"' in body  # the username is kept
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_has_labels_and_the_chinese_site_name(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "教代会提案系统" in body
    assert '<label for="id_username">' in body
    assert '<label for="id_password">' in body
    assert 'action="/i18n/setlang/"' in body


def test_it_sends_anonymous_visitors_to_sign_in_with_next(client, db):
    for url in [
        reverse("proposals:list"),
        reverse("proposals:create"),
        reverse("proposals:detail", args=[1]),
        reverse("proposals:assignments"),
        reverse("proposals:assignment", args=[1]),
        reverse("notifications:inbox"),
        reverse("tasks"),
    ]:
        r = client.get(url)
        assert r.status_code == 302, url
        assert r.url == f"{reverse('login')}?next={url}", url
    r = client.get(reverse("home"))
    assert r.url.startswith(reverse("login"))


def test_it_signs_out_with_a_post(client, people):
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:list")).content.decode()
    assert f'action="{reverse("logout")}" method="post"' in body
    r = client.post(reverse("logout"))
    assert r.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("committee", "/proposals/triage/"),
        ("handler", "/proposals/assignments/?tab=new"),
        ("head", "/proposals/assignments/?tab=approval"),
        ("alice", "/proposals/mine/"),
        ("office", "/proposals/sessions/"),
        ("dave", "/welfare/mine/"),
        ("auditor", "/proposals/"),
    ],
)
def test_home_sends_each_role_to_its_page(client, people, who, lands_on):
    client.force_login(people[who])
    r = client.get(reverse("home"))
    assert r.status_code == 302
    assert r.url == lands_on


def test_the_header_shows_links_for_the_role_and_the_unread_count(client, people, submitted):
    client.force_login(people["committee"])  # told about the submission
    body = client.get(reverse("proposals:list")).content.decode()
    assert "审查队列" in body
    assert "新建提案" not in body
    assert 'class="badge"' in body
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:list")).content.decode()
    assert "新建提案" in body and "我的提案" in body
    assert "交办事项" not in body


def test_the_language_switch_remembers_the_choice(client, people):
    client.force_login(people["alice"])
    body = client.get(reverse("proposals:list")).content.decode()
    assert '<html lang="zh-hans"' in body
    assert '<option value="en">English</option>' in body
    r = client.post("/i18n/setlang/", {"language": "en", "next": reverse("proposals:list")})
    assert r.status_code == 302
    assert r.url == reverse("proposals:list")
    assert '<html lang="en"' in client.get(reverse("proposals:list")).content.decode()


def test_the_header_shows_the_signed_in_persons_name(client, people):
    client.post(reverse("login"), {"username": "alice", "password": "pw"})
    body = client.get(reverse("proposals:list")).content.decode()
    assert '<span class="whoami">王丽</span>' in body


def test_every_page_names_the_sites_icon_and_it_is_served(client):
    body = client.get(reverse("login")).content.decode()
    href = re.search(r'<link rel="icon" href="/static/([^"]+)"', body)
    assert href, body[:500]
    assert finders.find(href.group(1)) is not None

"""Translations: complete catalogs, Chinese pages unless the user picks English, API messages in both.

The compiled catalogs (.mo) are git-ignored; `make test` builds them first (the `messages`
target runs `manage.py compilemessages`). These tests fail with a clear message when the
.mo files are missing or out of date, instead of silently rendering Chinese.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft
from workflow.services import transition

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGS = ["en", "zh_Hans"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
COMPILE_HINT = "run `make messages` (or `.venv/bin/python manage.py compilemessages --ignore=.venv`)"


def _po(lang: str) -> polib.POFile:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"
    assert path.is_file(), f"{path} is missing: run `manage.py makemessages -l {lang} --no-location`"
    return polib.pofile(str(path))


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs():
    """Every catalog is compiled and the .mo matches its .po; otherwise nothing here is meaningful."""
    for lang in LANGS:
        mo_path = LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"
        if not mo_path.is_file():
            pytest.fail(f"{mo_path.relative_to(settings.BASE_DIR)} is missing: {COMPILE_HINT}.", pytrace=False)
        compiled = {(e.msgid, e.msgid_plural or "") for e in polib.mofile(str(mo_path)) if e.msgid}
        source = {(e.msgid, e.msgid_plural or "") for e in _entries(_po(lang)) if e.translated()}
        if source - compiled:
            pytest.fail(
                f"{mo_path.relative_to(settings.BASE_DIR)} is out of date "
                f"({len(source - compiled)} messages not compiled): {COMPILE_HINT}.",
                pytrace=False,
            )


# --- (a) the catalogs are complete ------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_is_translated_and_none_is_fuzzy(lang):
    po = _po(lang)
    entries = _entries(po)
    assert len(entries) > 100, f"the {lang} catalog looks empty: {len(entries)} entries"
    assert not po.metadata_is_fuzzy, f"the {lang} catalog header is still marked fuzzy"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not e.translated()]
    assert not fuzzy, f"fuzzy entries in {lang}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {lang}: {untranslated}"


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_the_placeholders(lang):
    for e in _entries(_po(lang)):
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        strings = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == wanted, (lang, e.msgid, s)


def test_the_english_catalog_is_english():
    leftovers = [
        e.msgid
        for e in _entries(_po("en"))
        for s in (e.msgstr_plural.values() if e.msgid_plural else [e.msgstr])
        if HAN.search(s)
    ]
    assert not leftovers, f"English msgstr still containing Chinese: {leftovers}"


def test_the_chinese_catalog_repeats_the_source():
    for e in _entries(_po("zh_Hans")):
        if e.msgid_plural:
            assert set(e.msgstr_plural.values()) == {e.msgid}, e.msgid
        else:
            assert e.msgstr == e.msgid, e.msgid


# --- (b) the pages: Chinese by default, English from the cookie --------------------------


def _submitted(people, session, category):
    """alice drafts, bob and carol co-sign, alice submits (the committee gets a notification)."""
    p = draft(people["alice"], session, category)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people["bob"], people["carol"]])
    proposal_cosign(proposal=p, user=people["bob"])
    proposal_cosign(proposal=p, user=people["carol"])
    return transition(p, "submit", people["alice"])


def _assigned(people, departments, session, category):
    p = transition(_submitted(people, session, category), "accept", people["committee"])
    return transition(
        p,
        "assign",
        people["committee"],
        lead_department=departments["logistics"].pk,
        co_departments=[departments["hr"].pk],
    )


# Each page: who looks, what to set up, a label that must be there in each language, and a
# Chinese label that must be gone in English.
PAGES = {
    "login": {"zh": ["登录", "用户名", "密码"], "en": ["Sign in", "Username", "Password"], "gone": ["登录", "密码"]},
    "proposal_list": {
        "zh": ["全部提案", "只看我的提案", "附议人数", "草稿"],
        "en": ["All proposals", "Only my proposals", "Co-signers", "Draft"],
        "gone": ["只看我的提案", "附议人数", "筛选"],
    },
    "proposal_detail": {
        "zh": ["案由", "建议及办法", "办理记录", "邀请代表附议"],
        "en": ["Rationale", "Suggestions and measures", "History", "Invite co-signers"],
        "gone": ["案由", "建议及办法", "办理记录"],
    },
    "assignment_list": {
        "zh": ["交办事项", "提案标题", "待签收", "主办"],
        "en": ["Assignments", "Proposal title", "Awaiting sign-for", "Lead"],
        "gone": ["交办事项", "提案标题", "待签收"],
    },
    "tasks": {
        "zh": ["我的待办", "修改并提交提案", "待我办理"],
        "en": ["My tasks", "Revise and submit the proposal", "Assigned to me"],
        "gone": ["我的待办", "修改并提交提案", "待我办理"],
    },
    "inbox": {
        "zh": ["通知", "全部标为已读", "1 条未读"],
        "en": ["Notifications", "Mark all as read", "1 unread"],
        "gone": ["全部标为已读", "条未读"],
    },
}


@pytest.fixture
def open_page(client, people, departments, session, category):
    """``open_page(name, **headers)``: sign in as the persona for that page and GET it."""

    def setup(name: str) -> str:
        if name == "login":
            return reverse("login")
        if name == "proposal_list":
            draft(people["alice"], session, category)
            client.force_login(people["alice"])
            return reverse("proposals:list")
        if name == "proposal_detail":
            p = draft(people["alice"], session, category)
            client.force_login(people["alice"])
            return reverse("proposals:detail", args=[p.pk])
        if name == "assignment_list":
            _assigned(people, departments, session, category)
            client.force_login(people["handler"])
            return reverse("proposals:assignments")
        if name == "tasks":
            draft(people["alice"], session, category)
            client.force_login(people["alice"])
            return reverse("tasks")
        if name == "inbox":
            _submitted(people, session, category)  # notifies the committee
            client.force_login(people["committee"])
            return reverse("notifications:inbox")
        raise AssertionError(name)

    def get(name: str, **headers: str):
        r = client.get(setup(name), headers=headers)
        assert r.status_code == 200, (name, r.status_code)
        return r

    return get


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_are_chinese_even_for_an_english_browser(open_page, page):
    r = open_page(page, accept_language="en-US,en;q=0.9")
    body = r.content.decode()
    assert '<html lang="zh-hans"' in body
    assert r.headers["Content-Language"] == "zh-hans"
    for label in PAGES[page]["zh"]:
        assert label in body, (page, label)
    for label in PAGES[page]["en"]:
        assert f">{label}<" not in body, (page, label)


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_are_english_when_the_cookie_asks(client, open_page, page):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = open_page(page)
    body = r.content.decode()
    assert '<html lang="en"' in body
    assert r.headers["Content-Language"] == "en"
    for label in PAGES[page]["en"]:
        assert label in body, (page, label)
    for label in PAGES[page]["gone"]:
        assert label not in body, (page, label)


@pytest.mark.django_db
def test_the_header_switch_sets_the_cookie(client, people):
    client.force_login(people["alice"])
    r = client.post("/i18n/setlang/", {"language": "en", "next": reverse("tasks")})
    assert r.status_code == 302 and r.url == reverse("tasks")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = client.get(reverse("tasks")).content.decode()
    assert "My tasks" in body and "我的待办" not in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": reverse("tasks")})
    body = client.get(reverse("tasks"), headers={"accept-language": "en"}).content.decode()
    assert "我的待办" in body and "My tasks" not in body


@pytest.mark.django_db
def test_an_unknown_cookie_falls_back_to_chinese(client, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(people["alice"])
    body = client.get(reverse("tasks"), headers={"accept-language": "en"}).content.decode()
    assert "我的待办" in body


# --- (c) the API: Chinese by default, English on request ----------------------------------

NOT_ALLOWED = {"zh": "当前状态下不能执行此操作。", "en": "This action is not allowed in the current state."}
INVALID = {"zh": "提交的内容有误，请检查。", "en": "The submitted data is invalid; please check it."}


@pytest.fixture
def committee_api(people):
    token, _ = Token.objects.get_or_create(user=people["committee"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "lang"),
    [
        ({}, "zh"),
        ({"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}, "zh"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en"),
    ],
)
def test_api_transition_errors_speak_the_requested_language(committee_api, people, session, category, headers, lang):
    p = draft(people["alice"], session, category)
    r = committee_api.post(f"/api/v1/proposals/{p.pk}/transitions/accept/", {}, format="json", **headers)
    body = _error(r, 409, "transition_not_allowed")
    assert body["message"] == NOT_ALLOWED[lang], body


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "lang"), [({}, "zh"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en")])
def test_api_validation_errors_speak_the_requested_language(people, headers, lang):
    token, _ = Token.objects.get_or_create(user=people["alice"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = api.post("/api/v1/proposals/", {"title": ""}, format="json", **headers)
    body = _error(r, 400, "invalid")
    assert body["message"] == INVALID[lang], body
    # The field messages come from Django's and DRF's own catalogs, in the same language.
    title_errors = " ".join(body["fields"]["title"])
    assert bool(HAN.search(title_errors)) == (lang == "zh"), body


@pytest.mark.django_db
def test_the_api_prefers_the_cookie_over_the_header(committee_api, people, session, category):
    p = draft(people["alice"], session, category)
    committee_api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = committee_api.post(
        f"/api/v1/proposals/{p.pk}/transitions/accept/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert _error(r, 409, "transition_not_allowed")["message"] == NOT_ALLOWED["en"]

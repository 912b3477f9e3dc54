"""Finding delegates to invite: by name, username, full pinyin or initials; delegates only."""

import pytest
from django.urls import reverse

from org.selectors import delegates_matching
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = reverse("org:people_search")


def _search(client, user, q):
    client.force_login(user)
    r = client.get(URL, {"q": q})
    assert r.status_code == 200
    return r.json()


def _names(rows):
    return [row["name"] for row in rows]


def test_a_delegate_finds_delegates_by_initials(client, people):
    rows = _search(client, people["alice"], "zm")
    assert rows == [
        {"id": people["carol"].pk, "name": "张敏", "department": "图书馆", "initials": "zm"},
    ]


def test_a_delegate_finds_delegates_by_full_pinyin_and_its_prefix(client, people):
    assert _names(_search(client, people["alice"], "zhangmin")) == ["张敏"]
    assert _names(_search(client, people["alice"], "zhang")) == ["张敏"]
    assert _names(_search(client, people["alice"], "Li Qiang")) == ["李强"]  # case and spaces don't matter


def test_a_delegate_finds_delegates_by_hanzi_and_username(client, people):
    assert _names(_search(client, people["alice"], "敏")) == ["张敏"]
    assert _names(_search(client, people["alice"], "bob")) == ["李强"]


def test_only_delegates_are_found(client, people):
    # 刘伟 (dave) is a member, 陈静 the committee, 赵磊 a department handler: none is a delegate.
    assert _search(client, people["alice"], "liuwei") == []
    assert _search(client, people["alice"], "cj") == []
    assert _search(client, people["alice"], "赵") == []
    assert _search(client, people["alice"], "") == []


def test_polyphonic_surnames_are_found_by_their_surname_reading(client, people, departments):
    make_user("zeng", "曾国藩", ["delegate"], departments["cs"])
    assert _names(_search(client, people["alice"], "zgf")) == ["曾国藩"]
    assert _names(_search(client, people["alice"], "zeng")) == ["曾国藩"]
    assert _search(client, people["alice"], "ceng") == []


def test_results_come_in_surname_stroke_order(client, people, departments):
    # Pinyin would put 马 (ma) first; strokes put 于 (3, 横 first) before 马 (3, 折 first),
    # and both before 王 (4), 李 (7) and 张 (7).
    for username, name in [("ma", "马明"), ("yu", "于明"), ("wang", "王明"), ("zhang", "张明"), ("li", "李明")]:
        make_user(username, name, ["delegate"], departments["cs"])
    assert _names(_search(client, people["alice"], "明")) == ["于明", "马明", "王明", "李明", "张明"]


def test_the_selector_leaves_out_the_excluded(people):
    found = delegates_matching(query="l", exclude=[people["bob"].pk])
    assert people["bob"] not in found
    assert people["alice"] in found  # "alice" contains the letter l


def test_the_committee_and_the_union_office_may_search(client, people):
    assert _names(_search(client, people["committee"], "zm")) == ["张敏"]
    assert _names(_search(client, people["office"], "zm")) == ["张敏"]


@pytest.mark.parametrize("who", ["dave", "handler", "head", "auditor"])
def test_members_departments_and_auditors_are_refused(client, people, who):
    client.force_login(people[who])
    assert client.get(URL, {"q": "zm"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get(URL, {"q": "zm"})
    assert r.status_code == 302
    assert r.url.startswith(reverse("login"))


def test_the_search_takes_a_constant_number_of_queries(client, people, departments, django_assert_max_num_queries):
    client.force_login(people["alice"])
    make_user("zhao1", "赵明", ["delegate"], departments["cs"])
    with django_assert_max_num_queries(10):
        small = len(client.get(URL, {"q": "明"}).json())
    for i in range(12):
        make_user(f"zhao{i + 2}", f"赵明{i}", ["delegate"], departments["hr"])
    with django_assert_max_num_queries(10):
        large = len(client.get(URL, {"q": "明"}).json())
    assert (small, large) == (1, 13)

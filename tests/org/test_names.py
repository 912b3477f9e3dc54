"""Names: 姓氏笔画 order as official lists give it, and pinyin (surnames read as surnames)."""

import importlib

import pytest
from django.apps import apps as django_apps

from org.models import Profile
from org.names import (
    pinyin_full,
    pinyin_initials,
    sort_names,
    split_name,
    stroke_count,
    stroke_order,
    stroke_sort_key,
)
from org.roster import roster_import
from tests.factories import make_user


def test_it_knows_the_stroke_counts_of_common_surnames():
    counts = {c: stroke_count(c) for c in "丁于马王李张陈刘范达欧阳诸葛曾解"}
    assert counts == {
        "丁": 2,
        "于": 3,
        "马": 3,
        "王": 4,
        "李": 7,
        "张": 7,
        "陈": 7,
        "刘": 6,
        "范": 8,  # the simplified count (艹 is 3 strokes), not the traditional 9
        "达": 6,  # corrected: the package's data has 5
        "欧": 8,
        "阳": 6,
        "诸": 10,
        "葛": 12,
        "曾": 12,
        "解": 13,
    }
    assert stroke_count("A") is None


def test_it_orders_surnames_by_stroke_count_first():
    # 王 4 before 刘 6 before 李 7 and 张 7.
    assert sort_names(["张敏", "李强", "刘伟", "王丽"]) == ["王丽", "刘伟", "李强", "张敏"]


def test_surnames_of_the_same_count_go_by_their_first_strokes_as_official_lists_do():
    # 于 and 马 both have 3 strokes: 于 starts with 横 (1), 马 with 折 (5), so 于 comes first
    # although pinyin (ma < yu) would say the opposite. 李 (横) < 张 (折) < 陈 (折, then 竖).
    assert stroke_order("于")[0] == "1" and stroke_order("马")[0] == "5"
    assert sort_names(["马力", "于波"]) == ["于波", "马力"]
    assert sort_names(["陈静", "张敏", "李强"]) == ["李强", "张敏", "陈静"]


def test_people_of_one_surname_go_by_their_given_names_strokes():
    # 伟 6 before 丽 7 before 强 12.
    assert sort_names(["王强", "王丽", "王伟"]) == ["王伟", "王丽", "王强"]
    # A longer name whose first given character ties goes after the shorter one.
    assert sort_names(["王丽华", "王丽"]) == ["王丽", "王丽华"]


def test_characters_written_alike_are_ordered_by_pinyin():
    # 己 (ji) and 已 (yi) have the same three strokes in the same order.
    assert stroke_order("己") == stroke_order("已")
    assert sort_names(["王已", "王己"]) == ["王己", "王已"]


def test_compound_surnames_are_one_surname_ranked_by_their_first_character():
    assert split_name("欧阳修") == ("欧阳", "修")
    assert split_name("司马光") == ("司马", "光")
    assert split_name("诸葛亮") == ("诸葛", "亮")
    assert split_name("上官婉儿") == ("上官", "婉儿")
    # Two characters are a surname and a given name, not a lone compound surname.
    assert split_name("欧阳") == ("欧", "阳")
    # Every 欧 before every 欧阳; 司马 (司, 5 strokes) before 刘 (6) although 马 is a word of its own.
    assert sort_names(["欧阳修", "刘伟", "欧明", "司马光", "司伟"]) == ["司伟", "司马光", "刘伟", "欧明", "欧阳修"]
    # 上官 is ranked as 上 (3 strokes, 竖 first): after 于 (横 first), before 马 (折 first).
    assert sort_names(["马力", "上官婉儿", "于波"]) == ["于波", "上官婉儿", "马力"]


def test_names_not_in_chinese_come_after_all_chinese_ones():
    names = ["Alice Smith", "曾国藩", "bob", "丁一", "王 丽"]
    assert sort_names(names) == ["丁一", "王 丽", "曾国藩", "Alice Smith", "bob"]


def test_characters_without_stroke_data_go_after_those_with_it():
    # U+20000 (CJK extension B) is not in the stroke table.
    assert stroke_order("\U00020000") is None
    assert sort_names(["\U00020000大", "解缙"]) == ["解缙", "\U00020000大"]


def test_spaces_and_middle_dots_do_not_change_a_names_place():
    assert stroke_sort_key("王 丽")[:4] == stroke_sort_key("王丽")[:4]
    assert pinyin_full("买买提·艾力") == "maimaitiaili"


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("单田芳", "shantianfang", "stf"),
        ("曾国藩", "zengguofan", "zgf"),
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("区志伟", "ouzhiwei", "ozw"),
        ("朴树", "piaoshu", "ps"),
        ("查良镛", "zhaliangyong", "zly"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("吕布", "lvbu", "lb"),
        ("Alice Smith", "alicesmith", "as"),
    ],
)
def test_pinyin_reads_polyphonic_surnames_as_surnames(name, full, initials):
    assert (pinyin_full(name), pinyin_initials(name)) == (full, initials)


def test_a_surname_reading_applies_to_the_surname_only():
    # 单 is shan as a surname but dan elsewhere in a name.
    assert pinyin_full("王单") == "wangdan"


@pytest.mark.django_db
def test_saving_a_profile_fills_its_pinyin(departments):
    user = make_user("zeng", "曾国藩", ["delegate"], departments["cs"])
    profile = Profile.objects.get(user=user)
    assert (profile.name_pinyin, profile.name_initials) == ("zengguofan", "zgf")
    profile.full_name = "单田芳"
    profile.save(update_fields=["full_name"])
    profile.refresh_from_db()
    assert (profile.name_pinyin, profile.name_initials) == ("shantianfang", "stf")


@pytest.mark.django_db
def test_the_roster_import_fills_the_pinyin(departments):
    data = "工号,姓名,部门,角色\n3001,查良镛,图书馆,代表\n".encode()
    roster_import(file_name="roster.csv", data=data)
    profile = Profile.objects.get(user__username="3001")
    assert (profile.name_pinyin, profile.name_initials) == ("zhaliangyong", "zly")


@pytest.mark.django_db
def test_the_data_migration_fills_existing_profiles(people):
    Profile.objects.update(name_pinyin="", name_initials="")
    migration = importlib.import_module("org.migrations.0003_profile_name_pinyin")
    migration.fill_pinyin(django_apps, None)
    assert set(Profile.objects.values_list("full_name", "name_pinyin", "name_initials")) >= {
        ("王丽", "wangli", "wl"),
        ("张敏", "zhangmin", "zm"),
        ("陈静", "chenjing", "cj"),
    }
    assert not Profile.objects.filter(name_pinyin="").exists()

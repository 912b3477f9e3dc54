"""Similar proposals within one congress session: the committee's duplicate finder.

Finding duplicates among a session's 100-300 proposals is the committee's hardest
manual job at triage. This module ranks, for a proposal, the other
proposals of the same session by how much of their wording they share.

Approach, and why:

* Chinese has no spaces and a word segmenter (jieba and the like) is a heavy
  dependency that still mis-cuts campus jargon (科研经费, 附属幼儿园). Overlapping
  character bigrams and trigrams need no dictionary and catch the shared words of
  two texts about the same problem (停车位, 报销, 体检项目) wherever they sit.
* Text is NFKC-normalised (full-width letters and digits become ASCII), lower-cased
  and cut into runs of letters at punctuation, whitespace and digits, so that no
  n-gram straddles a comma, and numbers (dates, amounts, building numbers) never
  make two proposals look alike.
* TF-IDF over the session's own candidate set: an n-gram that every proposal uses
  is worth almost nothing, one that two proposals alone share is worth a lot.
  Term frequency is sublinear (log1p) so a long 案由 repeating a word does not
  drown a short title.
* Proposals are written in a formulaic register ("关于进一步加强……的建议",
  "建议学校切实提高教职工……"). In a small session IDF alone cannot tell that this
  is boilerplate, so n-grams lying wholly inside such stock phrases are
  down-weighted up front (STOP_PHRASES, STOP_WEIGHT).
* Each field (title, 案由, 建议及办法) gets its own unit vector, blended with
  FIELD_WEIGHTS: the title is short but the densest statement of the problem, so
  it counts more than its length would give it; the suggestion says what to do
  rather than what is wrong and counts less. Fields share one term space, so a
  title can match the other proposal's 案由.
* Cosine similarity of non-negative unit vectors, so scores lie in [0, 1].

Everything is pure Python: the vectors are built in one pass over a single query's
rows, and scoring only touches the n-grams two proposals share. For a 300-proposal
session that is about 0.12 s for one proposal's list and 0.33 s for the whole
matrix (bench/similar.py). Nothing is cached between calls: proposals are edited
and change status, and a cache would need an invalidation story this module
cannot tell on its own.

Permissions are the caller's business: candidates are never drafts, so every
delegate may see them anyway, but department users must not be shown this list.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

from django.db.models import QuerySet

from .models import CongressSession, Proposal, ProposalStatus

# Drafts are private to their authors, withdrawn ones were taken back, and a merged
# proposal's text lives on in the one it was merged into: none is a candidate.
# Rejected and converted proposals stay in: the committee wants to see "we turned
# this down before" as much as "this is already on the list".
EXCLUDED_STATUSES: tuple[str, ...] = (ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN, ProposalStatus.MERGED)

NGRAM_SIZES: tuple[int, ...] = (2, 3)

# Relative weight of each field's unit vector in the blended document vector.
# Each field is normalised on its own first, so a 15-character title at 1.2 already
# outweighs a 300-character 案由 at 1.0 character for character; pushing it higher
# made two titles sharing a formula ("……难问题", "缓解……") outrank real duplicates.
FIELD_WEIGHTS: tuple[tuple[str, float], ...] = (("title", 1.2), ("reason", 1.0), ("suggestion", 0.6))

# Stock phrases of the proposal register. An n-gram whose characters all fall
# inside occurrences of these (建议, 议学, 建议学校, 教职工 …) counts STOP_WEIGHT
# of a normal occurrence; n-grams reaching into the content (校食, 工停) count fully.
STOP_PHRASES: tuple[str, ...] = (
    # framing
    "关于",
    "建议",
    "提案",
    "希望",
    "提议",
    "呼吁",
    "恳请",
    "问题",
    "意见",
    "情况",
    "方面",
    "目前",
    "现在",
    "近年来",
    "存在",
    "有关",
    "相关",
    "进一步",
    "切实",
    "尽快",
    "积极",
    "认真",
    "逐步",
    "不断",
    "合理",
    "有效",
    "充分",
    "广大",
    "全体",
    "全校",
    "影响",
    "反映",
    "普遍",
    "突出",
    "严重",
    "日益",
    "越来越",
    "亟待",
    "亟需",
    "缓解",
    "不足",
    "以及",
    "但是",
    "因此",
    "由于",
    "我们",
    "能够",
    "可以",
    "应该",
    "需要",
    # who and where
    "学校",
    "我校",
    "校园",
    "教职工",
    "教职员工",
    "教工",
    "职工",
    "教师",
    "老师",
    "师生",
    "部门",
    "单位",
    "领导",
    # stock verbs and nouns
    "加强",
    "提高",
    "提升",
    "完善",
    "改善",
    "改进",
    "优化",
    "解决",
    "落实",
    "推进",
    "推动",
    "建立",
    "健全",
    "加大",
    "力度",
    "重视",
    "保障",
    "机制",
    "制度",
    "管理",
    "工作",
    "服务",
    "措施",
    "办法",
    # function characters: a gram made only of these and stock phrases is noise
    "的",
    "了",
    "和",
    "与",
    "及",
    "在",
    "是",
    "对",
    "为",
    "等",
    "也",
    "有",
    "将",
    "并",
    "或",
    "而",
    "把",
    "被",
    "就",
    "都",
    "很",
    # "X难" is the formula of a title (停车难, 入学难): the 难 says nothing about X.
    "难",
)
STOP_WEIGHT = 0.1

SCORE_DIGITS = 6

# Letters only: punctuation, symbols, whitespace and digits (after NFKC) separate runs.
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Longest first so that 教职工 wins over 职工 and 教工 at the same position.
_STOP_RE = re.compile("|".join(re.escape(p) for p in sorted(set(STOP_PHRASES), key=len, reverse=True)))

_CANDIDATE_FIELDS = ("id", "session_id", "number", "title", "status", "reason", "suggestion")

Vector = dict[str, float]


def normalise(text: str) -> list[str]:
    """The runs of letters of `text`, NFKC-normalised and lower-cased."""
    return _LETTER_RUN.findall(unicodedata.normalize("NFKC", text or "").lower())


def _windows(text: str, n: int) -> Iterator[str]:
    """text[i:i+n] for every i; slicing through map() keeps the loop out of Python bytecode."""
    return map(text.__getitem__, map(slice, range(len(text) - n + 1), range(n, len(text) + 1)))


def _boilerplate_segments(run: str) -> Iterator[str]:
    """The maximal stretches of `run` made only of stock phrases (建议学校 from 建议 + 学校)."""
    start = end = -1
    for m in _STOP_RE.finditer(run):
        if m.start() > end:
            if end > start:
                yield run[start:end]
            start = m.start()
        end = m.end()
    if end > start:
        yield run[start:end]


def weighted_ngrams(text: str) -> dict[str, float]:
    """Character n-gram counts of `text`, an occurrence lying wholly inside stock phrases counting STOP_WEIGHT.

    Only occurrences are down-weighted, not n-grams as such: 议学 from 建议学校 is
    boilerplate, 议学 from 建议学习 reaches into the content and counts fully.
    """
    runs = normalise(text)
    counts = Counter(chain.from_iterable(_windows(run, n) for run in runs for n in NGRAM_SIZES))
    # A window is wholly boilerplate exactly when it fits inside one such stretch.
    segments = [segment for run in runs for segment in _boilerplate_segments(run)]
    boilerplate = Counter(chain.from_iterable(_windows(seg, n) for seg in segments for n in NGRAM_SIZES))
    weights = dict[str, float](counts)
    for gram, count in boilerplate.items():
        weights[gram] -= (1.0 - STOP_WEIGHT) * count
    return weights


class _Index:
    """Unit TF-IDF vectors of one corpus, built once per call.

    Scoring only ever touches the n-grams two proposals share: `row` intersects
    key sets (in C), `upper_triangle` walks an inverted index, so the whole matrix
    costs the sum over n-grams of (proposals using it)², not N² full dot products.
    """

    def __init__(self, texts: Sequence[tuple[str, str, str]]) -> None:
        field_counts = [[weighted_ngrams(text) for text in doc] for doc in texts]
        df: Counter[str] = Counter()
        for fields in field_counts:
            df.update(set().union(*fields))
        n_docs = len(texts)
        # log((N+1)/df): close to 0 for an n-gram in every proposal, log(N+1) for one in a single proposal.
        idf = {gram: math.log((n_docs + 1) / count) for gram, count in df.items()}
        self.size = n_docs
        self.vectors = [_blend(fields, idf) for fields in field_counts]

    def row(self, i: int) -> list[float]:
        """Cosine similarity of document i with every document (itself included)."""
        mine = self.vectors[i]
        shared = mine.keys()
        return [sum(mine[gram] * other[gram] for gram in shared & other.keys()) for other in self.vectors]

    def upper_triangle(self) -> list[list[float]]:
        """m[i][j] = cosine similarity of documents i < j (m[i][j] for j <= i is 0).

        Through an inverted index each shared n-gram adds to each pair once.
        Posting lists are filled in document order, so i < j holds by construction.
        A dense N x N table: 90,000 cells for 300 proposals, nothing to worry about.
        """
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vector in enumerate(self.vectors):
            for gram, weight in vector.items():
                postings[gram].append((i, weight))
        m = [[0.0] * self.size for _ in range(self.size)]
        for posting in postings.values():
            for k, (i, weight) in enumerate(posting):
                cells = m[i]
                for j, other in posting[k + 1 :]:
                    cells[j] += weight * other
        return m


def _blend(fields: Sequence[dict[str, float]], idf: dict[str, float]) -> Vector:
    """One unit vector from the per-field n-gram counts, each field normalised then weighted."""
    log1p, hypot = math.log1p, math.hypot  # hypot(*xs) is the Euclidean norm, computed in C
    blended: Vector = {}
    get = blended.get
    for (_, field_weight), counts in zip(FIELD_WEIGHTS, fields, strict=True):
        if not counts:
            continue
        # Every count and every idf is positive, so a non-empty field has a non-zero norm.
        weights = {gram: log1p(count) * idf[gram] for gram, count in counts.items()}
        scale = field_weight / hypot(*weights.values())
        for gram, weight in weights.items():
            blended[gram] = get(gram, 0.0) + scale * weight
    norm = hypot(*blended.values())
    return {gram: weight / norm for gram, weight in blended.items()} if norm else {}


def _texts(proposal: Proposal) -> tuple[str, str, str]:
    """The fields in FIELD_WEIGHTS order."""
    return (proposal.title, proposal.reason, proposal.suggestion)


def _top(scores: Sequence[float], limit: int, min_score: float) -> list[tuple[int, float]]:
    """The `limit` best (position, score) pairs at or above `min_score`; ties go to the lower position.

    Scores are rounded to SCORE_DIGITS: `row` and `upper_triangle` add the same
    products in different orders, and rounding absorbs their last-bit differences,
    so both give the same figures and rank equal scores (identical texts) the same way.
    """
    # A cheap comparison first, so that only the few scores near the top are rounded and sorted.
    floor = min_score - 10.0**-SCORE_DIGITS
    kept = [(pos, min(round(score, SCORE_DIGITS), 1.0)) for pos, score in enumerate(scores) if score >= floor]
    kept = [(pos, score) for pos, score in kept if score >= min_score]
    return heapq.nsmallest(max(limit, 0), kept, key=lambda item: (-item[1], item[0]))


def _candidates(session_id: int) -> QuerySet[Proposal]:
    return Proposal.objects.filter(session_id=session_id).exclude(status__in=EXCLUDED_STATUSES).order_by("pk")


def similar_proposals(proposal: Proposal, *, limit: int = 10, min_score: float = 0.05) -> list[tuple[Proposal, float]]:
    """Other proposals of `proposal`'s session ranked by textual similarity, best first.

    `proposal` itself may be in any status, even unsaved: its current title and
    texts are used, so a delegate can check a draft before submitting it. The
    corpus for IDF is the session's candidates plus `proposal`; for a candidate
    that is exactly the corpus of `similarity_matrix`, so the two agree.
    """
    others = list(_candidates(proposal.session_id).exclude(pk=proposal.pk).only(*_CANDIDATE_FIELDS))
    if not others or limit <= 0:
        return []
    index = _Index([_texts(p) for p in others] + [_texts(proposal)])
    me = len(others)
    scores = index.row(me)
    ranked = _top(scores[:me], limit, min_score)
    return [(others[pos], score) for pos, score in ranked]


# The last few sessions' matrices, keyed by a digest of the corpus (every candidate's pk and
# texts) and the arguments: a page view recomputes only after a proposal entered or left the
# candidates or its text changed. Per process; a few hundred KiB per session.
_MATRICES: OrderedDict[str, dict[int, list[tuple[int, float]]]] = OrderedDict()
_MATRICES_KEPT = 8


def _corpus_key(rows: Sequence[tuple[Any, ...]], limit: int, min_score: float) -> str:
    digest = hashlib.blake2b(f"{limit}|{min_score}".encode(), digest_size=16)
    for row in rows:
        digest.update("\x1f".join(map(str, row)).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def similarity_matrix(
    session: CongressSession | int, *, limit: int = 10, min_score: float = 0.05
) -> dict[int, list[tuple[int, float]]]:
    """For every candidate proposal of `session`, its `limit` most similar others as (pk, score), best first.

    One query and one index for the whole session; every candidate is a key,
    with an empty list when nothing reaches `min_score`. The result is kept for the
    same corpus (see `_MATRICES`), so the triage queue's next page or view costs the query only.
    """
    session_id = session.pk if isinstance(session, CongressSession) else session
    rows = list(_candidates(session_id).values_list("pk", "title", "reason", "suggestion"))
    key = _corpus_key(rows, limit, min_score)
    cached = _MATRICES.get(key)
    if cached is not None:
        _MATRICES.move_to_end(key)
        return {pk: list(ranked) for pk, ranked in cached.items()}
    result = _compute_matrix(rows, limit=limit, min_score=min_score)
    _MATRICES[key] = result
    while len(_MATRICES) > _MATRICES_KEPT:
        _MATRICES.popitem(last=False)
    return {pk: list(ranked) for pk, ranked in result.items()}


def similarity_cache_clear() -> None:
    """Forget every kept matrix (benchmarks measure the first view after a change with it)."""
    _MATRICES.clear()


def _compute_matrix(
    rows: Sequence[tuple[int, str, str, str]], *, limit: int, min_score: float
) -> dict[int, list[tuple[int, float]]]:
    index = _Index([(title, reason, suggestion) for _, title, reason, suggestion in rows])
    upper = index.upper_triangle()
    result: dict[int, list[tuple[int, float]]] = {}
    for i, (pk, *_) in enumerate(rows):
        # Row i of the symmetric matrix: column i above the diagonal, row i after it; itself never a match.
        scores = [upper[j][i] for j in range(i)] + [-math.inf] + upper[i][i + 1 :]
        # Positions follow pk order, so the tie-break on position is the tie-break on pk.
        result[pk] = [(rows[j][0], score) for j, score in _top(scores, limit, min_score)]
    return result

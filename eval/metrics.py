"""Evaluation metrics as pure functions; each is defined in eval/README.md.

Per-question functions return None where a metric is undefined (no gold ids, nothing cited, no key facts);
aggregates average only the defined values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from assistant.core.grounding import answer_sentences
from eval.records import PRODUCT, Breakdown, MetricValues, QuestionRecord

RETRIEVAL_METRICS = ("recall@1", "recall@3", "recall@5", "mrr", "ndcg@5")
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "key_fact_coverage",
    "grounding",
    "grounding_lexical",
    "refusal_precision",
    "refusal_recall",
    "refusal_accuracy",
    "latency_p50_ms",
    "latency_p95_ms",
)
LEXICAL_SUPPORT = 0.75  # share of a sentence's content tokens that must occur in the evidence it cites

# References to units are pointers, not content: "[2021-5]", "[2023h2-4]", "[2019-summary-1]", "2021-5",
# "2021 task (5)". The eval keeps its own patterns (not the product's) so that a product change cannot loosen
# the scoring.
MARKER = re.compile(r"\[(\d{4}[a-z0-9-]*?-[\w]+)\]", re.IGNORECASE)
UNIT_ID = re.compile(r"\b\d{4}[a-z0-9-]*?-(?:\d{1,3}|notice|preamble|closing)\b", re.IGNORECASE)
_LABEL = (
    r"\b\d{4}[a-z0-9-]*\s+(?:task|item)\s*\(?\d+\)?|\b(?:task|item)\s*\(\d+\)"
    r"|\b\d{4}[a-z0-9-]*\s+(?:notice|preamble|closing)\b(?=\s*,\s*[“\"])"  # "2023h2 closing, “…”"
)
UNIT_LABEL = re.compile(_LABEL, re.IGNORECASE)
# What follows a unit id's document id: "2023h2-4" → "2023h2", "2019-summary-notice" → "2019-summary"
CITED_DOCUMENT = re.compile(r"-(?:\d{1,3}|notice|preamble|closing)$", re.IGNORECASE)
# A label followed by the unit's quoted title ("2021 task (5), “Promote …”") names the unit: for grounding the
# title is part of the reference, neither a claim to check nor evidence.
NAMED_UNIT = re.compile(rf"(?:{_LABEL})\s*,?\s*[“\"][^”\"]{{1,300}}[”\"]", re.IGNORECASE)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


# retrieval


def recall_at_k(ranking: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of the gold ids among the first `k` ranked ids, out of as many as `k` places can hold.

    Capped at min(k, |gold|) like nDCG's ideal ranking: a list question with eight gold tasks can put only
    five in the first five places, and a perfect ranking must score 1, or the metric could never be met.
    """
    return len(set(ranking[:k]) & set(gold)) / min(k, len(gold))


def reciprocal_rank(ranking: Sequence[str], gold: Collection[str]) -> float:
    """1 / rank of the first gold id in the ranking; 0 when none is ranked."""
    return next((1 / rank for rank, unit in enumerate(ranking, 1) if unit in gold), 0.0)


def ndcg_at_k(ranking: Sequence[str], gold: Collection[str], k: int) -> float:
    """Binary-relevance nDCG of the first `k` ranked ids."""
    dcg = sum(1 / math.log2(rank + 1) for rank, unit in enumerate(ranking[:k], 1) if unit in gold)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


# answers


def citation_precision(cited: Collection[str], gold: Collection[str]) -> float | None:
    """Share of the cited ids that are gold; None when nothing is cited."""
    return len(set(cited) & set(gold)) / len(set(cited)) if cited else None


def citation_recall(cited: Collection[str], gold: Collection[str]) -> float | None:
    """Share of the gold ids that are cited; None when there is no gold id."""
    return len(set(cited) & set(gold)) / len(set(gold)) if gold else None


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def without_references(text: str) -> str:
    """`text` without citation markers, unit ids and unit labels, which every cited answer contains."""
    for pattern in (MARKER, UNIT_LABEL, UNIT_ID):
        text = pattern.sub(" ", text)
    return text


def facts_present(answer: str, key_facts: Sequence[Sequence[str]]) -> list[bool]:
    """Per key fact: is any of its variants a case-insensitive substring of the answer?

    Markers, ids and labels are removed first, so a fact cannot be met by citing a unit.
    """
    text = _normalise(without_references(answer))
    return [any(_normalise(variant) in text for variant in fact) for fact in key_facts]


def key_fact_coverage(answer: str, key_facts: Sequence[Sequence[str]]) -> float | None:
    """Share of the key facts present in the answer; None when there are none."""
    present = facts_present(answer, key_facts)
    return sum(present) / len(present) if present else None


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@cache
def _stem(word: str) -> str:
    """English Snowball stem, so "accelerate" in an answer meets "accelerating" in the text."""
    import Stemmer

    stem: str = Stemmer.Stemmer("english").stemWord(word)
    return stem


def _words(text: str) -> set[str]:
    return {_stem(t) for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in _stopwords()}


def _cjk_bigrams(text: str) -> set[str]:
    """Chinese has no spaces: its runs of characters count as overlapping character pairs."""
    return {run[i : i + 2] for run in CJK.findall(text) for i in range(max(len(run) - 1, 1))}


def without_unit_names(text: str) -> str:
    """`text` without references to units, a label's quoted title included."""
    return without_references(NAMED_UNIT.sub(" ", text))


def content_tokens(text: str) -> set[str]:
    """Lower-cased word tokens (and Chinese character pairs) of `text` that are not stop words.

    References to units (markers, ids, labels with their quoted titles) are removed first: they point at
    evidence, they are not content.
    """
    text = without_unit_names(text)
    return _words(text) | _cjk_bigrams(text)


def salient_tokens(sentence: str) -> set[str]:
    """Figures and names in a sentence: tokens with a digit, and capitalised words after its first word.

    A changed figure or department is one token among many, so a share-of-tokens test cannot see it;
    these must all occur in the cited text.
    """
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9,.%]*[A-Za-z0-9%]|[A-Za-z0-9]", without_unit_names(sentence))
    salient = {w for w in words[1:] if w[0].isupper()} | {w for w in words if any(c.isdigit() for c in w)}
    return _words(" ".join(salient))


def lexically_supported(sentence: str, cited_text: str, threshold: float = LEXICAL_SUPPORT) -> bool:
    """The sentence has content, at least `threshold` of it occurs in `cited_text`, and all its figures
    and names do; a sentence with no content (only markers, labels or stop words) is not supported."""
    tokens = content_tokens(sentence)
    if not tokens:
        return False
    support = content_tokens(cited_text)
    if not salient_tokens(sentence) <= support:
        return False
    return len(tokens & support) / len(tokens) >= threshold


def lexical_grounding(answer: str, cited_texts: Mapping[str, str]) -> float | None:
    """Share of answer sentences lexically supported by the text of the units their markers cite.

    `cited_texts` maps a unit id to its evidence: its body sentences and responsibility line, never its
    label, title or section name. The document of a cited id, and so its year, counts as evidence ("In 2021,
    … [2021-5]", "Section 2 of the 2020h2 notice … [2020h2-4]").
    A sentence citing nothing (or only ids missing from `cited_texts`) is unsupported; None for an empty
    answer.
    """
    sentences = answer_sentences(answer)
    if not sentences:
        return None
    supported = 0
    for sentence in sentences:
        cited = [i for i in MARKER.findall(sentence) if i in cited_texts]
        documents = [CITED_DOCUMENT.sub("", i) for i in cited]
        evidence = " ".join([*(cited_texts[i] for i in cited), *documents, *(d[:4] for d in documents)])
        supported += bool(cited) and lexically_supported(sentence, evidence)
    return supported / len(sentences)


# refusals


@dataclass(frozen=True)
class RefusalCounts:
    """Confusion counts of refusing; positive = refused, gold positive = not answerable."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[tuple[bool, bool]]) -> RefusalCounts:
        """Counts from (refused, answerable) pairs."""
        pairs = list(outcomes)
        return cls(
            true_positive=sum(refused and not answerable for refused, answerable in pairs),
            false_positive=sum(refused and answerable for refused, answerable in pairs),
            false_negative=sum(not refused and not answerable for refused, answerable in pairs),
            true_negative=sum(not refused and answerable for refused, answerable in pairs),
        )

    @property
    def precision(self) -> float | None:
        refused = self.true_positive + self.false_positive
        return self.true_positive / refused if refused else None

    @property
    def recall(self) -> float | None:
        unanswerable = self.true_positive + self.false_negative
        return self.true_positive / unanswerable if unanswerable else None

    @property
    def accuracy(self) -> float | None:
        total = self.true_positive + self.false_positive + self.false_negative + self.true_negative
        return (self.true_positive + self.true_negative) / total if total else None


# aggregation


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when there are none."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0–100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def refused_or_wrong(record: QuestionRecord) -> bool:
    """The refusal decision scored for a record: a failed call counts as the wrong decision.

    An error neither answers an answerable question nor refuses an unanswerable one, so it is scored as
    refusing the former and answering the latter.
    """
    return record.answerable if record.error is not None else record.refused


def scored_citation_precision(record: QuestionRecord) -> float | None:
    """Citation precision of a record; a failed call scores 0 (it returned no right citation)."""
    return 0.0 if record.error is not None else citation_precision(record.citations, record.gold_ids)


def retrieval_metrics(records: Sequence[QuestionRecord], system: str) -> MetricValues:
    """Recall@1/3/5, MRR and nDCG@5 of one retrieval system, over the answerable questions."""
    scored = [(r.rankings.get(system, []), r.gold_ids) for r in records if r.answerable and r.gold_ids]
    return {
        **{f"recall@{k}": mean(recall_at_k(ranking, gold, k) for ranking, gold in scored) for k in (1, 3, 5)},
        "mrr": mean(reciprocal_rank(ranking, gold) for ranking, gold in scored),
        "ndcg@5": mean(ndcg_at_k(ranking, gold, 5) for ranking, gold in scored),
    }


def answer_metrics(records: Sequence[QuestionRecord]) -> MetricValues:
    """Citation, key-fact, grounding, refusal and latency metrics (definitions in eval/README.md).

    A failed call (`error`) is a wrong answer in every one: no citation, no fact, grounding 0, and the
    wrong refusal decision.
    """
    answerable = [r for r in records if r.answerable]
    answered = [r for r in records if not r.refused]
    refusals = RefusalCounts.of((refused_or_wrong(r), r.answerable) for r in records)
    latencies = [r.latency_ms for r in records]
    return {
        "citation_precision": mean(scored_citation_precision(r) for r in answerable),
        "citation_recall": mean(citation_recall(r.citations, r.gold_ids) for r in answerable),
        "key_fact_coverage": mean(key_fact_coverage(r.answer, r.key_facts) for r in answerable),
        "grounding": mean(r.grounding for r in answered),
        "grounding_lexical": mean(r.grounding_lexical for r in answered),
        "refusal_precision": refusals.precision,
        "refusal_recall": refusals.recall,
        "refusal_accuracy": refusals.accuracy,
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def product_metrics(records: Sequence[QuestionRecord], system: str = PRODUCT) -> MetricValues:
    """Every metric of the system under test: its retrieval and its answers, plus question counts."""
    return {
        "questions": float(len(records)),
        "unanswerable": float(sum(not r.answerable for r in records)),
        "errors": float(sum(r.error is not None for r in records)),
        **retrieval_metrics(records, system),
        **answer_metrics(records),
    }


def breakdown(
    records: Sequence[QuestionRecord], metrics: Callable[[Sequence[QuestionRecord]], MetricValues]
) -> Breakdown:
    """`metrics` over all records and over each category's records (categories in order of appearance)."""
    categories = dict.fromkeys(r.category for r in records)
    return Breakdown(
        overall=metrics(records),
        by_category={c: metrics([r for r in records if r.category == c]) for c in categories},
    )

"""From a question to evidence: read the question, retrieve, resolve named units, decide whether to refuse.

Shared by every answerer, so the extractive and LLM paths see the same units and refuse alike.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field

import numpy as np

from assistant.grounding import content_words
from assistant.library import Library
from assistant.models import Filters, Turn
from assistant.question import Intent, Question, glossary, read_question
from assistant.retrieve import Hit, Timings
from index.model import Task, UnitKind
from index.settings import Settings

GENERIC_TERMS = set(
    [
        "plan",
        "plans",
        "policy",
        "policies",
        "document",
        "documents",
        "notice",
        "notices",
        "reform",
        "reforms",
        "china",
        "chinese",
        "government",
        "say",
        "says",
        "said",
        "mention",
        "mentions",
        "mentioned",
        "anything",
        "something",
        "about",
        "regarding",
        "related",
        "relate",
        "key",
        "tasks",
        "task",
        "item",
        "items",
        "year",
        "new",
        "does",
        "do",
        "did",
        "will",
        "would",
        "should",
        "could",
        "can",
        "may",
        "much",
        "many",
        "way",
        "ways",
        "measure",
        "measures",
        "promote",
        "promoted",
        "improve",
        "improved",
        "strengthen",
        "what",
        "doe",
        "which",
        "who",
        "whom",
        "when",
        "how",
        "why",
        "where",
        "there",
        "those",
        "these",
        "that",
        "this",
        "one",
        "ones",
        "last",
        "first",
        "tell",
        "anything",
    ]
)


PERSON = re.compile(
    r"\b(director|minister|head of|chairman|chairwoman|spokesperson|who signed|"
    r"name of the (person|official))\b",
    re.IGNORECASE,
)
QUANTITY = re.compile(
    r"\bhow (many|much)\b|\bwhat (ratio|percentage|share|rate|amount|proportion|budget|price cap|cap)\b|"
    r"\b(reimbursement ratio|price cap|budget of)\b",
    re.IGNORECASE,
)
DEADLINE_WORD = re.compile(r"\bdeadlines?\b|\bdated\b", re.IGNORECASE)
LIST_WORDS = content_words(
    "which tasks items mention mentions mentioned cover covers involve involves address addresses "
    "refer refers "
    "deal deals list every contain contains"
)
CALENDAR_WORDS = {m.lower() for m in calendar.month_name[1:]} | {d.lower() for d in calendar.day_name}
NUMBER = re.compile(
    r"\b(?!20\d\d\b)\d+(?:[,.]\d+)*(?!\d|th\b|st\b|nd\b|rd\b)%?|\b(ten|hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)


@dataclass
class Evidence:
    """What retrieval found for a question, and whether it is enough to answer."""

    question: Question
    hits: list[Hit]
    filters: Filters
    query_vector: np.ndarray | None = None
    refusal: str | None = None
    direct: list[Task] = field(default_factory=list)  # units the question names
    timings: Timings = field(default_factory=Timings)


class EvidenceGatherer:
    """Retrieval plus the decision to refuse, shared by all answerers."""

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        self.glossary_path = settings.documents_dir / "glossary.json"
        vocabulary = library.retriever._lexical._tokenizer.get_vocab_dict()
        self._vocabulary = set(vocabulary)

    def gather(self, text: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence:
        started = time.perf_counter()
        question = read_question(text, history, self.glossary_path)
        filters = self._effective_filters(question, filters)
        evidence = Evidence(question=question, hits=[], filters=filters)
        evidence.timings.add("analyse", started)
        if not question.query.strip() or not content_words(question.query):
            evidence.refusal = "The question holds no question about the documents that PolicyQA can answer."
            return evidence
        if filters.year and filters.year not in self.library.years:
            evidence.refusal = f"No document for {filters.year} is indexed (years: {self.library.years})."
            return evidence
        if refusal := self._resolve_references(question, evidence):
            evidence.refusal = refusal
            return evidence
        if question.intent is Intent.LIST and not evidence.direct:
            evidence.direct = self.list_matches(question, filters)
        if question.intent is Intent.STRUCTURE and not evidence.direct:
            evidence.direct = self.structure_units(question, filters)
        started = time.perf_counter()
        evidence.query_vector = np.asarray(self.library.retriever.embed(question.query), dtype=np.float32)
        evidence.timings.add("embed", started)
        evidence.hits = self.library.retriever.search(
            question.query, filters, top_k, embedding=evidence.query_vector.tolist(), timings=evidence.timings
        )
        if not evidence.direct and question.intent not in (Intent.LIST, Intent.STRUCTURE):
            evidence.refusal = self._low_confidence(question, evidence.hits, self._confidence(evidence))
        if question.intent is Intent.COMPARE and not evidence.refusal:
            evidence.direct = self.per_year_tasks(question, evidence)
        return evidence

    def _effective_filters(self, question: Question, filters: Filters) -> Filters:
        years = set(question.years)
        if filters.year is None and len(years) == 1 and question.intent is not Intent.COMPARE:
            return filters.model_copy(update={"year": years.pop()})
        return filters

    def _resolve_references(self, question: Question, evidence: Evidence) -> str | None:
        for year, number in question.task_refs:
            unit = self.library.find_task(year or evidence.filters.year, number)
            if unit is None:
                where = f"{year} " if year else ""
                return f"The documents have no {where}task ({number}): {self.library.task_range(year)}."
            evidence.direct.append(unit)
        if not evidence.direct and question.context_ids:
            # a follow-up is still checked for what the documents never mention
            if refusal := self._foreign_terms(question, confident=False):
                return refusal
            evidence.direct = [
                self.library.units[i] for i in question.context_ids[:1] if i in self.library.units
            ]
        return None

    def per_year_tasks(self, question: Question, evidence: Evidence) -> list[Task]:
        """For a comparison: the best-matching task of each year (the units named keep their place)."""
        known = {u.year: u for u in evidence.direct}
        years = sorted(set(question.years) | set(known))
        if len(years) < 2:
            years = self.library.years
        query = " ".join([question.query, *(u.title for u in evidence.direct)])
        vector = self.library.retriever.embed(query) if evidence.direct else evidence.query_vector.tolist()
        chosen: list[Task] = []
        for year in years:
            if year in known:
                chosen.append(known[year])
                continue
            hits = self.library.retriever.search(
                query, evidence.filters.model_copy(update={"year": year}), top_k=5, embedding=vector
            )
            chosen.extend(next(([h.unit] for h in hits if h.unit.kind is UnitKind.TASK), []))
        return chosen

    def structure_units(self, question: Question, filters: Filters) -> list[Task]:
        """The units a question about the documents' structure is about: a section's tasks, the first or
        last task, or the notice header."""
        numbered_years = sorted({u.year for u in self.library.tasks if not u.unnumbered_in_source})
        year = filters.year or (numbered_years[-1] if numbered_years else None)
        tasks = sorted((u for u in self.library.tasks if u.year == year), key=lambda u: u.number or 0)
        if question.section and tasks:
            sections = sorted({u.section.number for u in tasks if u.section}, key=int)
            wanted = sections[-1] if question.section in ("last", "final") and sections else question.section
            return [u for u in tasks if u.section and u.section.number == wanted]
        text = question.text.lower()
        if tasks and re.search(
            r"\bhow many\b.*\b(tasks|items)\b|\b(last|final) (numbered |key )?(task|item)", text
        ):
            return [tasks[-1], tasks[0]] if "how many" in text else [tasks[-1]]
        if tasks and re.search(r"\bfirst (numbered |key )?(task|item)\b", text):
            return [tasks[0]]
        years = [filters.year] if filters.year else self.library.years
        return [u for u in self.library.units.values() if u.kind is UnitKind.NOTICE and u.year in years]

    def list_matches(self, question: Question, filters: Filters) -> list[Task]:
        """The exact task set a list question asks for, from the parsed metadata (or the tasks' words)."""
        q, year = question, filters.year
        tasks = [u for u in self.library.tasks if year is None or u.year == year]
        if q.deadline_month or q.departments or q.section or DEADLINE_WORD.search(q.text):
            return [
                u
                for u in tasks
                if (q.deadline_month is None or any(d.month == q.deadline_month for d in u.deadlines))
                and (not q.departments or all(d in u.departments for d in q.departments))
                and (q.section is None or (u.section is not None and u.section.number == q.section))
                and (q.deadline_month or q.departments or q.section or u.deadlines)
            ]
        words = {w for w in content_words(q.query) - GENERIC_TERMS - LIST_WORDS if not w.isdigit()}
        if not words:
            return []
        return [u for u in tasks if words <= content_words(" ".join([u.title, *u.sentences]))]

    def missing_terms(self, question: Question) -> tuple[list[str], list[str]]:
        """(key terms, those absent from the corpus) of a question, stemmed."""
        words = content_words(question.text)
        expanded = content_words(question.query)
        key = sorted(w for w in words if w not in GENERIC_TERMS and not w.isdigit())
        missing = [w for w in key if w not in self._vocabulary and not (expanded - words) & self._vocabulary]
        return key, missing

    def unknown_names(self, question: Question) -> list[str]:
        """Capitalised names in the question (not its first word) that the corpus never uses."""
        words = [
            w
            for w in re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]{2,}\b", question.text.strip())
            if w.lower() not in CALENDAR_WORDS
        ]
        terms = glossary(self.glossary_path)
        stems = {w: content_words(w) for w in words}
        return [
            w for w, stem in stems.items() if stem and not stem & self._vocabulary and w.lower() not in terms
        ]

    def _confidence(self, evidence: Evidence) -> float:
        """How well the best passage matches: the best unit, or the best single sentence of the top units.

        A long task dilutes its embedding, so one sentence that matches closely counts as much.
        """
        if not evidence.hits or evidence.query_vector is None:
            return 0.0
        vector = evidence.query_vector
        vectors = [self.library.sentence_vectors(h.unit) for h in evidence.hits[:3]]
        sentences = max(float(np.max(v @ vector)) for v in vectors)
        return max(evidence.hits[0].similarity, sentences)

    def _low_confidence(self, question: Question, hits: list[Hit], confidence: float) -> str | None:
        if not hits:
            return "Nothing in the documents matches this question."
        if QUANTITY.search(question.text) and not self._has_figure(question, hits[:2]):
            return "The documents give no figure for this."
        if refusal := self._foreign_terms(question, confidence >= self.settings.trust_similarity):
            return refusal
        if confidence < self.settings.refuse_below_similarity:
            return "The documents do not appear to cover this question."
        return None

    def _foreign_terms(self, question: Question, confident: bool) -> str | None:
        """A refusal when the question is about names, people or terms the documents never use."""
        if names := self.unknown_names(question):
            return f"The documents never mention {', '.join(names)}."
        if PERSON.search(question.text):
            return "The documents name departments, not individual people."
        key, missing = self.missing_terms(question)
        if key and len(missing) / len(key) > self.settings.refuse_missing_terms and not confident:
            return f"The documents do not mention {', '.join(repr(m) for m in missing)}."
        return None

    @staticmethod
    def _has_figure(question: Question, hits: list[Hit]) -> bool:
        """Whether the sentences closest to a how-many/how-much question hold a number."""
        words = content_words(question.query) - GENERIC_TERMS
        scored = [(len(words & content_words(s)), s) for h in hits for s in h.unit.sentences]
        best = [s for overlap, s in sorted(scored, reverse=True)[:3] if overlap]
        return any(NUMBER.search(s) for s in best)

"""The default answerer: offline and deterministic, it answers only with sentences of the cited tasks."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import numpy as np

from assistant.answer.base import (
    GENERIC_TERMS,
    Evidence,
    EvidenceGatherer,
    NotCovered,
    build_citations,
    check_grounding,
    cite,
    finish,
    refusal_answer,
)
from assistant.grounding import GroundingChecker, content_words
from assistant.library import Library
from assistant.models import Answer, Filters, Turn
from assistant.question import Intent
from index.model import Task, UnitKind
from index.settings import Settings


LIST_WORDS = content_words(
    "which tasks items mention mentions mentioned cover covers involve involves address "
    "addresses refer refers deal deals list"
)


def quoted(unit: Task) -> str:
    return f"{unit.label}, \u201c{unit.title}\u201d"


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class ExtractiveAnswerer:
    """Picks the sentences of the retrieved tasks that answer the question, by question type."""

    name = "extractive"

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        self.evidence = EvidenceGatherer(library, settings)
        self.checker = GroundingChecker(library.embed_texts, settings.grounding_threshold)

    def answer(self, question: str, history: list[Turn], filters: Filters, top_k: int = 5) -> Answer:
        """A cited answer composed from the documents' own sentences, or a refusal."""
        started = time.perf_counter()
        evidence = self.evidence.gather(question, history, filters, top_k)
        if evidence.refusal:
            return refusal_answer(evidence.refusal, self.name, evidence.timings, started)
        step = time.perf_counter()
        try:
            sentences = self._compose(evidence)
        except NotCovered as exc:
            return refusal_answer(str(exc), self.name, evidence.timings, started)
        step = evidence.timings.add("compose", step)
        if not sentences:
            return refusal_answer(
                "No passage of the documents answers this.", self.name, evidence.timings, started
            )
        text = " ".join(sentences)
        grounding = check_grounding(self.checker, text, self.library.units)
        evidence.timings.add("grounding", step)
        scores = {h.unit.id: h.score for h in evidence.hits}
        return Answer(
            answer=text,
            citations=build_citations(text, self.library.units, scores),
            grounding=round(grounding.score, 4),
            unsupported=grounding.unsupported,
            model=self.name,
            timings_ms=finish(evidence.timings, started),
        )

    def stream(
        self, question: str, history: list[Turn], filters: Filters, top_k: int = 5
    ) -> Iterator[str | Answer]:
        """The answer sentence by sentence, then the Answer."""
        answer = self.answer(question, history, filters, top_k)
        for index, sentence in enumerate(re.split(r"(?<=\]\.)\s+", answer.answer)):
            yield sentence if index == 0 else f" {sentence}"
        yield answer

    # composition, one method per kind of question

    def _compose(self, evidence: Evidence) -> list[str]:
        intent = evidence.question.intent
        if intent is Intent.LIST:
            return self._list(evidence) or self._what(evidence)
        if intent is Intent.STRUCTURE:
            return self._structure(evidence) or self._what(evidence)
        if intent is Intent.COMPARE:
            return self._compare(evidence)
        if intent is Intent.WHO:
            return self._who(evidence)
        if intent is Intent.WHEN:
            return self._when(evidence)
        if intent is Intent.WHICH:
            return self._which(evidence)
        return self._what(evidence)

    def _primary(self, evidence: Evidence) -> list[Task]:
        """The units to answer from: those the question names, else the best hit (and a close second)."""
        if evidence.direct:
            return evidence.direct
        hits = evidence.hits
        units = [hits[0].unit]
        if (
            len(hits) > 1
            and hits[1].similarity >= hits[0].similarity - 0.02
            and hits[1].score >= hits[0].score * 0.97
        ):
            units.append(hits[1].unit)
        return units

    def _ranked_sentences(self, unit: Task, evidence: Evidence) -> list[tuple[float, int, str]]:
        """(score, position, sentence) of a unit's body, best first: embedding plus word overlap."""
        if not unit.sentences:
            return []
        query_words = content_words(evidence.question.query)
        vectors = self.library.sentence_vectors(unit)[1:]
        if evidence.query_vector is not None:
            similarities = vectors @ evidence.query_vector
        else:
            similarities = np.zeros(len(unit.sentences))
        ranked = []
        for position, (sentence, similarity) in enumerate(zip(unit.sentences, similarities, strict=True)):
            words = content_words(sentence)
            overlap = len(words & query_words) / (len(query_words) or 1)
            ranked.append((float(similarity) + 0.5 * overlap, position, sentence))
        return sorted(ranked, reverse=True)

    def _best(self, unit: Task, evidence: Evidence, count: int) -> list[str]:
        """The unit's `count` best sentences, in document order."""
        ranked = self._ranked_sentences(unit, evidence)[:count]
        return [sentence for _, _, sentence in sorted(ranked, key=lambda r: r[1])]

    def _what(self, evidence: Evidence) -> list[str]:
        sentences: list[str] = []
        for unit in self._primary(evidence):
            if unit.kind is UnitKind.TASK:
                sentences.append(
                    cite(f"{quoted(unit)[0].upper()}{quoted(unit)[1:]}, addresses this", unit.id)
                )
            sentences.extend(cite(s, unit.id) for s in self._best(unit, evidence, 2 if sentences else 3))
        return sentences

    def _which(self, evidence: Evidence) -> list[str]:
        sentences = []
        for unit in self._primary(evidence):
            sentences.append(cite(f"This is covered by {quoted(unit)}", unit.id))
            sentences.extend(cite(s, unit.id) for s in self._best(unit, evidence, 1))
        return sentences

    def _who(self, evidence: Evidence) -> list[str]:
        candidates = evidence.direct or [h.unit for h in evidence.hits[:3]]
        with_departments = [u for u in candidates if u.departments_as_written]
        if not with_departments:
            raise NotCovered(
                f"The passages that match ({', '.join(u.label for u in candidates)}) name no "
                "responsible departments."
            )
        unit = with_departments[0]
        names = join_names(
            [f"the {n}" if not n.startswith("the ") else n for n in unit.departments_as_written]
        )
        others = ", among others" if re.search(r"\betc\b|relevant departments", unit.departments_text) else ""
        return [cite(f"{quoted(unit)[0].upper()}{quoted(unit)[1:]}, is led by {names}{others}", unit.id)]

    def _when(self, evidence: Evidence) -> list[str]:
        candidates = evidence.direct or [h.unit for h in evidence.hits[:3]]
        dated = [u for u in candidates if u.deadlines]
        if not dated:
            unit = candidates[0]
            return [
                cite(
                    f"{quoted(unit)[0].upper()}{quoted(unit)[1:]}, covers this but sets no dated deadline",
                    unit.id,
                ),
                *(cite(s, unit.id) for s in self._best(unit, evidence, 1)),
            ]
        unit = dated[0]
        deadline_sentences = list(dict.fromkeys(d.sentence for d in unit.deadlines))
        return [
            cite(f"{quoted(unit)[0].upper()}{quoted(unit)[1:]}, sets this deadline", unit.id),
            *(cite(s, unit.id) for s in deadline_sentences),
        ]

    def _compare(self, evidence: Evidence) -> list[str]:
        """One part per year, each from that year's best-matching task."""
        known = {u.year: u for u in evidence.direct}
        years = sorted(set(evidence.question.years) | set(known)) or self.library.years
        if len(years) < 2:
            years = self.library.years
        query = " ".join([evidence.question.query, *(u.title for u in evidence.direct)])
        embedding = self.library.retriever.embed(query) if evidence.direct else None
        sentences: list[str] = []
        for year in years:
            unit = known.get(year) or self._best_task(query, evidence, year, embedding)
            if unit is None:
                continue
            best = self._best(unit, evidence, 2)
            if best:
                sentences.append(
                    cite(f"In {year}, {quoted(unit)}: {best[0][0].lower()}{best[0][1:]}", unit.id)
                )
                sentences.extend(cite(s, unit.id) for s in best[1:])
        return sentences

    def _best_task(
        self, query: str, evidence: Evidence, year: int, embedding: list[float] | None
    ) -> Task | None:
        vector = embedding or (evidence.query_vector.tolist() if evidence.query_vector is not None else None)
        hits = self.library.retriever.search(
            query, evidence.filters.model_copy(update={"year": year}), top_k=5, embedding=vector
        )
        return next((h.unit for h in hits if h.unit.kind is UnitKind.TASK), None)

    def _mentioning(self, evidence: Evidence) -> list[Task]:
        """Tasks whose text uses every key term of a "which tasks mention X" question."""
        words = {w for w in content_words(evidence.question.query) - GENERIC_TERMS - LIST_WORDS if not w.isdigit()}
        if not words:
            return []
        year = evidence.filters.year
        return [
            u
            for u in self.library.tasks
            if (year is None or u.year == year) and words <= content_words(" ".join([u.title, *u.sentences]))
        ]

    def _list(self, evidence: Evidence) -> list[str]:
        q = evidence.question
        year = evidence.filters.year
        matches = [
            u
            for u in self.library.tasks
            if (year is None or u.year == year)
            and (q.deadline_month is None or any(d.month == q.deadline_month for d in u.deadlines))
            and (not q.departments or all(d in u.departments for d in q.departments))
            and (q.section is None or (u.section is not None and u.section.number == q.section))
            and (q.deadline_month or q.departments or q.section or u.deadlines)
        ]
        if not (q.deadline_month or q.departments or q.section):
            matches = self._mentioning(evidence)
        if not matches:
            return []
        sentences = []
        for unit in matches:
            detail = ""
            if q.deadline_month or not (q.departments or q.section):
                phrases = [d.phrase for d in unit.deadlines if q.deadline_month in (None, d.month)]
                detail = f" ({'; '.join(phrases)})" if phrases else ""
            elif q.departments:
                written = [
                    w
                    for w in unit.departments_as_written
                    if any(d == c for d in q.departments for c in [self._canonical(w)])
                ]
                detail = f" ({', '.join(written)})" if written else ""
            sentences.append(cite(f"{quoted(unit)[0].upper()}{quoted(unit)[1:]}{detail}", unit.id))
        return sentences

    @staticmethod
    def _canonical(name: str) -> str:
        from index.departments import canonical_department

        return canonical_department(name)

    def _structure(self, evidence: Evidence) -> list[str]:
        text = evidence.question.text.lower()
        year = evidence.filters.year or (self.library.years[0] if len(self.library.years) == 1 else None)
        years = [year] if year else self.library.years
        if "how many" in text and re.search(r"\b(tasks|items)\b", text):
            sentences = []
            for y in years:
                tasks = sorted((u for u in self.library.tasks if u.year == y), key=lambda u: u.number or 0)
                if tasks:
                    first, last = tasks[0], tasks[-1]
                    kind = "topical items" if first.unnumbered_in_source else "numbered tasks"
                    sentences.append(
                        cite(f"The {y} document has {len(tasks)} {kind}, from {quoted(first)}", first.id)
                    )
                    sentences.append(cite(f"The last is {quoted(last)}", last.id))
            return sentences
        if "how many" in text and "section" in text:
            sentences = []
            for y in years:
                sections = {
                    u.section.number: (u.section, u) for u in self.library.tasks if u.year == y and u.section
                }
                for _, (section, unit) in sorted(sections.items()):
                    sentences.append(
                        cite(
                            f"Section {section.number} of the {y} notice is \u201c{section.title}\u201d",
                            unit.id,
                        )
                    )
            return sentences
        if section := re.search(r"\bsection\s+(\d)\b", text):
            for u in self.library.tasks:
                if u.section and u.section.number == section[1] and (year is None or u.year == year):
                    members = [t for t in self.library.tasks if t.section == u.section and t.year == u.year]
                    return [
                        cite(
                            f"Section {section[1]} of the {u.year} notice is \u201c{u.section.title}\u201d",
                            u.id,
                        )
                    ] + [cite(quoted(t)[0].upper() + quoted(t)[1:], t.id) for t in members]
        notices = [u for u in self.library.units.values() if u.kind is UnitKind.NOTICE and u.year in years]
        patterns = {
            r"number": r"\bNo\.\s*\d+",
            r"date|when|issued on": rf"\b({'|'.join(['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'])})\s+\d{{1,2}}\b",  # noqa: E501
            r"who|issuer|issued by": r"Office of the State Council|General Office",
        }
        sentences = []
        for notice in notices:
            for asked, pattern in patterns.items():
                if re.search(asked, text):
                    found = [s for s in notice.sentences if re.search(pattern, s)]
                    sentences.extend(cite(s, notice.id) for s in found[:2])
                    if found:
                        break
        return sentences

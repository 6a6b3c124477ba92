"""The default answerer's composer: offline and deterministic, it answers only with sentences of the cited
tasks. The rest of answering (evidence, refusals, grounding, citations) is the shared pipeline's."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator

import numpy as np

from assistant.core.answer.base import NotCovered, cite
from assistant.core.answer.pipeline import Draft
from assistant.core.evidence import Evidence
from assistant.core.library import Library
from assistant.core.retrieve import Hit, Timings
from assistant.core.text import content_words
from assistant.core.types import Refusal, RefusalCode, Turn
from assistant.core.understand.checks import covered
from assistant.core.understand.question import Intent
from assistant.settings import Settings
from index.departments import canonical_department
from index.model import Task, UnitKind

# Where a notice's header states each fact a question may ask for (names of NOTICE_FACTS)
NOTICE_FACT_PATTERNS = {
    "number": r"\bNo\.\s*\d+|〔\d{4}〕\s*\d+\s*号",
    "date": rf"\b({'|'.join(calendar.month_name[1:])})\s+\d{{1,2}}\b|\d{{4}}年\d{{1,2}}月\d{{1,2}}日",
    "public": r"publicly released|public",
    "approval": r"approved",
    # the paper or agency that ran a news summary, as their names end ("Capital Health Daily", "China News
    # Service"), or the site it names as its source
    "source": r"\b(?:Daily|News|Times|Post|Gazette|Service|Network|Agency)\b",
    "addressees": r"governments of all provinces|ministries and commissions",
    # the issuing line as notices write it: "Issued by the X", a State Council office, a ministry's name
    "issuer": r"\b[Ii]ssued by\b|Office of the State Council|General Office"
    r"|\b(?:Commission|Ministry|Administration)\b|^[^：:，,。]*(?:委|部|局|办公厅)(?:\s|$)",
}


# Header sentences kept for the issuer: the notice's title and up to three ministries signed one per line
NOTICE_ISSUER_LINES = 4


# How close a runner-up's fused score must be to the best hit's, in ranking places (a unit ranked this many
# places lower in every ranking): to join the answer as a close second, as the other year's task, or to lead
# it by a sentence that answers better (ratios 0.97, 0.96 and 0.9 of the best score at the fusion constant 60)
CLOSE_PLACES = 1.9
OTHER_YEAR_PLACES = 2.5
ANSWERING_PLACES = 6.8
# How much closer (cosine) a runner-up's best sentence must be to the question than any sentence of the best
# hit for the runner-up to lead the answer
SENTENCE_LEAD = 0.05
# How far (cosine) below the leading task's best sentence another task's best sentence may be for that task to
# be answered from too
SENTENCE_PAR = 0.1
# Sentences a task answers with: a question on one point, and one asking for everything on its topic ("what
# are all the measures on X"), which a task answers in several sentences of its own
ANSWER_SENTENCES = 3
ENUMERATION_SENTENCES = 6
# Sentences a list answer gives in all, shared among the tasks it lists (each gives at least its best one):
# a list of one or two tasks says what each holds on the topic, not only its nearest sentence
LIST_SENTENCES = 6
LIST_SENTENCES_PER_TASK = 4


def with_cap_note(sentences: list[str], cap: int, matches: int, at: int = 0) -> list[str]:
    """A list answer naming `cap` of `matches` tasks, saying so at the start of its sentence `at`.

    Said within a cited sentence, and briefly: a sentence of its own would cite nothing, and a long note
    would outweigh the cited words in the grounding checks.
    """
    if matches > cap:
        note = f"First {cap} of {matches:,} matching tasks (all of them: /tasks or `policyqa tasks`)"
        sentences[at] = f"{note}: {lower_first(sentences[at])}"
    return sentences


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(sentence: str) -> str:
    """A sentence continuing after a colon: "Before the end…" → "before the end…" (acronyms kept)."""
    return sentence if sentence[:2].isupper() else sentence[:1].lower() + sentence[1:]


def quoted(unit: Task) -> str:
    return f"{unit.label}, \u201c{unit.title}\u201d"


def labelled(unit: Task, best: list[str], framing: str) -> list[str]:
    """The unit's sentences, cited, the first led by its label: "2021 task (7), “…”: start the pilot …".

    The label names where the answer comes from; on a sentence of its own ("… addresses this") it would be a
    claim with no content. It stands alone only when no sentence of the unit answers.
    """
    if not best:
        return [cite(f"{capitalised(quoted(unit))} {framing}", unit.id)]
    first = cite(f"{capitalised(quoted(unit))}: {lower_first(best[0])}", unit.id)
    return [first, *(cite(s, unit.id) for s in best[1:])]


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class ExtractiveComposer:
    """Picks the sentences of the retrieved tasks that answer the question, by question type."""

    name = "extractive"
    streams = False

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings

    def restate(self, question: str, history: list[Turn], timings: Timings) -> str:
        """The question as asked: follow-ups are resolved by the question reader from the history."""
        return question

    def compose(self, evidence: Evidence, top_k: int) -> Draft:
        """A cited answer composed from the documents' own sentences, or why there is none."""
        step = time.perf_counter()
        try:
            sentences = self._compose(evidence)
        except NotCovered as exc:
            return Draft(refusal=exc.refusal)
        evidence.timings.add("compose", step)
        return Draft(text=" ".join(sentences), units=self.library.units)

    def compose_stream(self, evidence: Evidence, top_k: int) -> Iterator[str | Draft]:
        yield self.compose(evidence, top_k)

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
        """The units to answer from: those the question names, else the best hit, a close second, and the
        best of the other year when the question names none and that year covers the topic almost as well.

        A unit with one sentence holding every key term of the question ("three highs") goes first; a notice
        header (title, number, date, addressees) does not lead an answer about the policy's content.
        """
        if evidence.direct:
            return evidence.direct
        hits = list(evidence.hits)
        content = next((h for h in hits[:3] if h.unit.kind is not UnitKind.NOTICE), None)
        if (
            hits[0].unit.kind is UnitKind.NOTICE
            and content is not None
            and not evidence.question.about_notice
        ):
            hits.remove(content)
            hits.insert(0, content)
        exact = next((h for h in hits[:3] if covered(evidence.question, [h.unit])), None)
        if exact is not None and not covered(evidence.question, [hits[0].unit]):
            hits.remove(exact)
            hits.insert(0, exact)
        elif (answering := self._answering_sentence(hits, evidence)) is not None:
            hits.remove(answering)
            hits.insert(0, answering)
        best = hits[0]
        units = [best.unit]
        leading = self._sentence_match(best, evidence)
        near = self.library.retriever.near_score
        for hit in hits[1:3]:
            close = (
                hit is hits[1]
                and hit.score >= best.score * near(CLOSE_PLACES)
                and hit.similarity >= best.similarity - 0.02
            )
            other_year = (
                evidence.filters.year is None
                and all(u.year != hit.unit.year for u in units)
                and hit.score >= best.score * near(OTHER_YEAR_PLACES)
                and hit.similarity >= best.similarity - 0.1
            )
            # a second task joins only when one of its sentences answers about as well as the best's
            answers_too = self._sentence_match(hit, evidence) >= leading - SENTENCE_PAR
            # a notice header (title, number, date) says nothing of the policy's content
            header = hit.unit.kind is UnitKind.NOTICE and not evidence.question.about_notice
            if ((close and len(units) == 1) or other_year) and answers_too and not header:
                units.append(hit.unit)
        return units

    def _answering_sentence(self, hits: list[Hit], evidence: Evidence) -> Hit | None:
        """A close runner-up whose one sentence answers the question clearly better than any sentence of
        the best hit: a task only broadly related to a question does not lead over the task that answers it.
        """
        best = hits[0]
        for hit in hits[1:3]:
            if (
                hit.unit.kind is UnitKind.TASK
                and hit.sentence_position  # a sentence, not the title
                and hit.sentence_similarity >= self._sentence_match(best, evidence) + SENTENCE_LEAD
                and hit.score >= best.score * self.library.retriever.near_score(ANSWERING_PLACES)
            ):
                return hit
        return None

    def _sentence_match(self, hit: Hit, evidence: Evidence) -> float:
        """How close the hit's best sentence is to the question. The sentence search ranks tasks only, so
        a notice, preamble or closing is measured here, not taken as 0 (which any task would beat)."""
        if hit.sentence_similarity or evidence.query_vector is None:
            return hit.sentence_similarity
        return float(np.max(self.library.sentence_vectors(hit.unit) @ evidence.query_vector))

    def _ranked_sentences(self, unit: Task, evidence: Evidence) -> list[tuple[float, int, str]]:
        """(score, position, sentence) of a unit's body, best first: embedding plus word overlap."""
        if not unit.sentences:
            return []
        # words the question shares with the task's title pick the task, not one of its sentences ("what
        # must the task on public hospital quality fully implement?"): they do not rank its sentences
        # a hyphenated word counts by its parts on both sides ("payment-by-disease" holds "payment")
        query_words = content_words(evidence.question.query.replace("-", " "))
        query_words = (query_words - content_words(unit.title.replace("-", " "))) or query_words
        vectors = self.library.sentence_vectors(unit)[1:]
        if evidence.query_vector is not None:
            similarities = vectors @ evidence.query_vector
        else:
            similarities = np.zeros(len(unit.sentences))
        ranked = []
        for position, (sentence, similarity) in enumerate(zip(unit.sentences, similarities, strict=True)):
            words = content_words(sentence.replace("-", " "))
            overlap = len(words & query_words) / (len(query_words) or 1)
            ranked.append((float(similarity) + 0.5 * overlap, position, sentence))
        return sorted(ranked, reverse=True)

    def _best(self, unit: Task, evidence: Evidence, count: int) -> list[str]:
        """Up to `count` of the unit's sentences that answer the question, the best first.

        A sentence scoring well below the best one is left out: it only pads the answer. A question asking
        for everything on its topic is answered by the sentences on it further from its wording too: the
        margin is twice as wide.
        """
        ranked = self._ranked_sentences(unit, evidence)
        if not ranked:
            return []
        margin = self.settings.answer_sentence_margin * (2 if evidence.question.enumerates else 1)
        floor = ranked[0][0] - margin
        return [sentence for score, _, sentence in ranked[:count] if score >= floor]

    def _on_topic(self, unit: Task, evidence: Evidence, count: int) -> list[str]:
        """Up to `count` of the unit's sentences holding words a list asks tasks to mention, those holding
        the most first, then the nearest the question; the unit's best sentences when none holds one.

        The task was listed for holding those words, often in its title too ("…pharmaceuticals and
        consumables"), and `_ranked_sentences` leaves a title's words out of its ranking: the sentences that
        write the topic are picked by the words themselves.
        """
        # as asked and as the glossary translates it ("GPs": "general practitioners")
        topic = evidence.question.list_topic | evidence.question.query_topic
        held = [(len(content_words(s) & topic), s) for _, _, s in self._ranked_sentences(unit, evidence)]
        holding = sorted((h for h in held if h[0]), key=lambda h: -h[0])  # stable: nearest first among equals
        if not holding:
            return self._best(unit, evidence, count)
        return [s for _, s in holding[:count]]

    def _what(self, evidence: Evidence) -> list[str]:
        sentences: list[str] = []
        count = ENUMERATION_SENTENCES if evidence.question.enumerates else ANSWER_SENTENCES
        for unit in self._primary(evidence):
            best = self._best(unit, evidence, count)
            if unit.kind is UnitKind.TASK:
                sentences.extend(labelled(unit, best, "addresses this"))
            else:
                sentences.extend(cite(s, unit.id) for s in best)
        return sentences

    def _which(self, evidence: Evidence) -> list[str]:
        sentences = []
        for unit in self._primary(evidence):
            sentences.extend(labelled(unit, self._best(unit, evidence, 1), "covers this"))
        return sentences

    def _who(self, evidence: Evidence) -> list[str]:
        candidates = evidence.direct or [h.unit for h in evidence.hits[:3]]
        with_departments = [u for u in candidates if u.departments_as_written]
        if not with_departments:
            labels = ", ".join(u.label for u in candidates)
            message = f"The passages that match ({labels}) name no responsible departments."
            raise NotCovered(Refusal(code=RefusalCode.NO_DEPARTMENTS, message=message))
        # tasks the question names (two documents of one year may both have a "task 1") are answered each
        chosen = with_departments if evidence.direct else with_departments[:1]
        sentences = []
        for unit in chosen:
            sentences.append(cite(f"{capitalised(quoted(unit))}: {responsible(unit)}", unit.id))
        return sentences

    def _when(self, evidence: Evidence) -> list[str]:
        candidates = evidence.direct or [h.unit for h in evidence.hits[:3]]
        dated = [u for u in candidates if u.deadlines]
        if not dated and evidence.question.asks_deadline:
            labels = ", ".join(u.label for u in candidates)
            message = f"The passages that match ({labels}) set no dated deadline."
            raise NotCovered(Refusal(code=RefusalCode.NO_DEADLINE, message=message))
        if not dated:
            unit = candidates[0]
            return [
                cite(
                    f"{capitalised(quoted(unit))}, covers this but sets no dated deadline",
                    unit.id,
                ),
                *(cite(s, unit.id) for s in self._best(unit, evidence, 1)),
            ]
        sentences = []
        for unit in dated if evidence.direct else dated[:1]:  # each task the question names
            deadline_sentences = list(dict.fromkeys(d.sentence for d in unit.deadlines))
            sentences.extend(labelled(unit, deadline_sentences, "sets this deadline"))
        return sentences

    def _compare(self, evidence: Evidence) -> list[str]:
        """One part per year, each from that year's best-matching task."""
        sentences: list[str] = []
        for unit in evidence.direct:
            year = unit.year
            best = self._best(unit, evidence, 3)
            if best:
                sentences.append(
                    cite(f"In {year}, {quoted(unit)}: {best[0][0].lower()}{best[0][1:]}", unit.id)
                )
                sentences.extend(cite(s, unit.id) for s in best[1:])
        return sentences

    def _list(self, evidence: Evidence) -> list[str]:
        q = evidence.question
        matches = evidence.direct
        if not matches:
            return []
        sentences = []
        listed = matches[: self.settings.list_answer_max_tasks]
        per_task = max(1, min(LIST_SENTENCES_PER_TASK, LIST_SENTENCES // len(listed)))
        for unit in listed:
            detail = ""
            more: list[str] = []
            due = [d for d in unit.deadlines if q.deadline_window is None or q.deadline_window.holds(d.month)]
            if due and (q.deadline_window or (q.asks_deadline and not (q.departments or q.section))):
                # what is due, in the task's own words
                head = f"{capitalised(quoted(unit))}: {lower_first(due[0].sentence)}"
                sentences.append(cite(head, unit.id))
                sentences.extend(cite(d.sentence, unit.id) for d in due[1:])
                continue
            if q.departments:
                written = [w for w in unit.departments_as_written if canonical_department(w) in q.departments]
                detail = f" ({', '.join(written)})" if written else ""
            elif best := self._on_topic(unit, evidence, per_task):
                # a task listed by its topic or section says what it does: its sentences nearest the question
                detail, more = f": {lower_first(best[0])}", best[1:]
            sentences.append(cite(f"{capitalised(quoted(unit))}{detail}", unit.id))
            sentences.extend(cite(s, unit.id) for s in more)
        return with_cap_note(sentences, self.settings.list_answer_max_tasks, len(matches))

    def _structure(self, evidence: Evidence) -> list[str]:
        """Questions about the documents themselves: sections, task counts, the notice header."""
        units = evidence.direct
        if not units:
            return []
        if units[0].kind is UnitKind.NOTICE:
            return self._notice_facts(units, evidence)
        if evidence.question.section:
            first = units[0]
            assert first.section is not None
            section = first.section
            head = f"Section {section.number} of the {first.doc_id} notice is \u201c{section.title}\u201d"
            cap = self.settings.list_answer_max_tasks
            listed = [cite(capitalised(quoted(t)), t.id) for t in units[:cap]]
            return with_cap_note([cite(head, first.id), *listed], cap, len(units), at=1)
        if evidence.question.structure_target == "sections" and units[0].section:
            return self._sections(units)
        if evidence.question.structure_target in ("outline", "sections"):
            # each by its label and title, in order: a sentence counting them would state what no cited
            # sentence says
            return [cite(capitalised(quoted(t)), t.id) for t in units]
        if evidence.question.asks_how_many:
            last, first = units[0], units[-1]
            kind = "topical items" if last.unnumbered_in_source else "numbered tasks"
            return [
                cite(f"The {last.doc_id} document has {last.number} {kind}, from {quoted(first)}", first.id),
                cite(f"The last is {quoted(last)}", last.id),
            ]
        # each task by its label and the sentence that best answers: the label alone is no evidence
        return [s for u in units for s in labelled(u, self._best(u, evidence, 1), "is that task")]

    @staticmethod
    def _sections(tasks: list[Task]) -> list[str]:
        """A document's sections in order, each by its title and the tasks under it."""
        sections: dict[str, list[Task]] = {}
        for task in tasks:
            if task.section:
                sections.setdefault(task.section.number, []).append(task)
        lines = []
        for number, under in sections.items():
            section = under[0].section
            assert section is not None
            span = (
                f"task ({under[0].number})"
                if len(under) == 1
                else f"tasks ({under[0].number})–({under[-1].number})"
            )
            lines.append(cite(f"Section {number}, \u201c{section.title}\u201d, holds {span}", under[0].id))
        return lines

    def _notice_facts(self, notices: list[Task], evidence: Evidence) -> list[str]:
        """The header sentences stating the facts the question asks for (its best two when it names none)."""
        patterns = [NOTICE_FACT_PATTERNS[fact] for fact in evidence.question.notice_facts]
        sentences: list[str] = []
        for notice in notices:
            found: list[str] = []
            for fact, pattern in zip(evidence.question.notice_facts, patterns, strict=True):
                # issuers may sign one per line below the notice (three or four ministries)
                limit = NOTICE_ISSUER_LINES if fact == "issuer" else 2
                found += [s for s in notice.sentences if re.search(pattern, s) and s not in found][:limit]
            if not found:
                found = self._best(notice, evidence, 2)
            sentences.extend(cite(s, notice.id) for s in found)
        return sentences


def responsible(unit: Task) -> str:
    """Who leads a task, in its responsibility note's own words ("the X and the Y are responsible", "…
    and relevant departments are responsible"), so that the claim reads as the source states it."""
    written = unit.departments_as_written
    names = join_names([n if n.startswith("the ") else f"the {n}" for n in written])
    if re.search(r"relevant departments", unit.departments_text):
        names += " and relevant departments"
    elif re.search(r"\betc\b", unit.departments_text):
        names += ", etc.,"
    plural = len(written) > 1 or names.endswith(("departments", "etc.,"))
    return f"{names} {'are' if plural else 'is'} responsible"

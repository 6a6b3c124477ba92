"""From a question to evidence: read the question, retrieve, resolve named units, decide whether to refuse
(the checks themselves are in `assistant/core/understand/checks.py`).

Built once per loaded index and shared by every answerer, so the extractive and LLM paths see the same units
and refuse alike.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from assistant.core.library import Library
from assistant.core.retrieve import Hit, Timings
from assistant.core.text import content_words, written_form
from assistant.core.types import Filters, Refusal, RefusalCode, Turn
from assistant.core.understand.checks import Found, RefusalChecks, Support, Vocabulary, present
from assistant.core.understand.chinese import ChineseReading, answering_unit, passages_about, unsupported
from assistant.core.understand.documents import documents_named, unit_ids_named
from assistant.core.understand.question import Intent, Question, QuestionReader, focus_terms, key_terms
from index.model import Task, UnitKind

# A Chinese question's refusals, in Chinese first and English after, by the code of the check that refused it.
CHINESE_REFUSALS = {
    RefusalCode.NOT_IN_DOCUMENTS: (
        "这些文件没有涉及这个问题。 (The documents don't say: no passage holds what the question asks about.)"
    ),
    RefusalCode.FALSE_PREMISE: (
        "这些文件没有给出问题中的这个数字。"
        " (The documents don't say: no passage gives the figure the question states.)"
    ),
    RefusalCode.FIGURE_NOT_GIVEN: (
        "这些文件没有给出这个数字。 (The documents don't say: the passage on this gives no such figure.)"
    ),
}

# A question that names a section by its words ("the section on the public health system")
SECTION_NAMED = re.compile(r"\bsection\b", re.IGNORECASE)
# A word more than this share of the tasks hold anchors no topic ("health", "medical")
COMMON_WORD = 0.5


@dataclass
class Evidence:
    """What retrieval found for a question, and whether it is enough to answer."""

    question: Question
    hits: list[Hit]
    filters: Filters
    query_vector: np.ndarray | None = None
    refusal: Refusal | None = None
    direct: list[Task] = field(default_factory=list)  # units the question names
    timings: Timings = field(default_factory=Timings)


class EvidenceGatherer:
    """Retrieval plus the decision to refuse, shared by all answerers."""

    def __init__(
        self,
        library: Library,
        reader: QuestionReader,
        checks: RefusalChecks,
        vocabulary: Vocabulary,
        stand_in_similarity: float = 0.65,
    ) -> None:
        self.library = library
        self.reader = reader
        self.checks = checks
        self.vocabulary = vocabulary
        self.stand_in_similarity = (
            stand_in_similarity  # a corpus word this similar may stand for a focus word
        )

    def gather(self, text: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence:
        """The evidence for a question; its timings hold each stage, and under "evidence" the rest of the
        gathering (named units and documents, list and structure lookups, the refusal checks)."""
        started = time.perf_counter()
        evidence = self._gather(text, history, filters, top_k)
        staged = sum(evidence.timings.values.values())
        evidence.timings.values["evidence"] = (time.perf_counter() - started) * 1000 - staged
        return evidence

    def _gather(self, text: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence:
        started = time.perf_counter()
        question = self.reader.read(text, history)
        filters = self._effective_filters(question, filters)
        evidence = Evidence(question=question, hits=[], filters=filters)
        evidence.timings.add("analyse", started)
        if not question.query.strip() or not (content_words(question.query) or question.key_terms):
            evidence.refusal = Refusal(
                code=RefusalCode.INSTRUCTION_IGNORED if question.injection else RefusalCode.OUT_OF_SCOPE,
                message="The question holds no question about the documents that PolicyQA can answer.",
            )
            return evidence
        if filters.year and filters.year not in self.library.years:
            evidence.refusal = Refusal(
                code=RefusalCode.YEAR_NOT_INDEXED,
                message=f"No document for {filters.year} is indexed (years: {self.library.years}).",
            )
            return evidence
        if refusal := self._resolve_references(question, evidence):
            evidence.refusal = refusal
            return evidence
        if question.intent is Intent.LIST and not evidence.direct:
            named = self.library.document_index.named(question.text, filters.year)
            matches = self.list_matches(question, filters)
            # the tasks of the documents it names by more than their year ("in the second half of 2023")
            evidence.direct = [u for u in matches if u.doc_id in named] if named else matches
            if not evidence.direct and question.quoted:
                # a term asked for as written that no task writes, nor holds the words of
                quoted = ", ".join(f"\u201c{p}\u201d" for p in question.quoted)
                tasks = f"{filters.year} task" if filters.year else "task of the documents"
                evidence.refusal = Refusal(
                    code=RefusalCode.NOT_IN_DOCUMENTS, message=f"No {tasks} writes {quoted}."
                )
                return evidence
        if question.intent is Intent.STRUCTURE and not evidence.direct:
            evidence.direct = self.structure_units(question, filters)
        started = time.perf_counter()
        evidence.query_vector = np.asarray(self.library.retriever.embed(question.query), dtype=np.float32)
        evidence.timings.add("embed", started)
        evidence.hits = self.library.retriever.search(
            question.query, filters, top_k, embedding=evidence.query_vector.tolist(), timings=evidence.timings
        )
        evidence.hits = self._named_documents_first(question, evidence.hits)
        evidence.hits = _named_departments_first(question, evidence.hits)
        if not evidence.direct and question.intent not in (Intent.LIST, Intent.STRUCTURE):
            units = [h.unit for h in evidence.hits[:3]]
            if question.chinese:  # the English vocabulary checks do not apply: does a passage hold its words?
                about = passages_about(question.chinese, units)
                evidence.refusal = _chinese_refusal(question.chinese, about)
                evidence.hits = _answering_first(answering_unit(question.chinese, about), evidence.hits)
            else:
                found = self.found(question, units, self._confidence(evidence), evidence.timings)
                evidence.refusal = self.checks.first(self.checks.retrieved, question, found)
        elif question.premise and not question.chinese:
            # a list or a named task answers what is asked, yet the question's premise must still hold
            # ("since the plan set X as the deadline, what else was due then?"), judged on the tasks the
            # question names, else on what its words find
            named_tasks = evidence.direct if question.task_refs else []
            units = [*named_tasks, *(h.unit for h in evidence.hits if h.unit not in named_tasks)][:3]
            found = self.found(question, units, self._confidence(evidence), evidence.timings)
            evidence.refusal = self.checks.first(self.checks.premised, question, found)
        if question.intent is Intent.COMPARE and not evidence.refusal:
            evidence.direct = self.per_year_tasks(question, evidence)
        return evidence

    def _named_documents_first(self, question: Question, hits: list[Hit]) -> list[Hit]:
        """Hits of the documents the question names by more than their year ("the 2019 news summary",
        "the second-half 2023 notice") first, in their order; the rest after them."""
        years = set(question.years)
        named = set(
            self.library.document_index.named(question.text, years.pop() if len(years) == 1 else None)
        )
        if not named or named == set(self.library.documents):
            return hits
        return [h for h in hits if h.unit.doc_id in named] + [h for h in hits if h.unit.doc_id not in named]

    def _effective_filters(self, question: Question, filters: Filters) -> Filters:
        years = set(question.years)
        if filters.year is None and len(years) == 1 and question.intent is not Intent.COMPARE:
            return filters.model_copy(update={"year": years.pop()})
        return filters

    def _resolve_references(self, question: Question, evidence: Evidence) -> Refusal | None:
        for unit_id in unit_ids_named(question.text, self.library.units):
            evidence.direct.append(self.library.units[unit_id])
        named = {(u.year, u.number) for u in evidence.direct}
        for year, number in question.task_refs:
            year = year or evidence.filters.year
            if (year, number) in named:  # "2021-5" is both a unit id and a task reference
                continue
            documents = self.library.document_index.meant(question.text, year) if year else None
            units = self.library.find_tasks(year, number, documents)
            if not units:
                where = f"{year} " if year else ""
                message = f"The documents have no {where}task ({number}): {self.library.task_range(year)}."
                return Refusal(code=RefusalCode.NO_SUCH_TASK, message=message)
            evidence.direct.extend(u for u in units if u not in evidence.direct)
        if not evidence.direct and question.context_ids:
            context = [self.library.units[i] for i in question.context_ids[:1] if i in self.library.units]
            # "And what did the 2021 plan say about it?" after a 2022 answer: search that year instead, and
            # judge what that search finds, not the earlier year's passage
            switched_year = question.years and not any(u.year in question.years for u in context)
            if switched_year and question.intent is not Intent.COMPARE:
                return None
            # a follow-up is still checked for what the documents never mention, and for a figure
            found = self.found(question, context, 0.0, evidence.timings)
            if refusal := self.checks.first(self.checks.follow_up, question, found):
                return refusal
            evidence.direct = context
        return None

    def per_year_tasks(self, question: Question, evidence: Evidence) -> list[Task]:
        """For a comparison: the best-matching task of each year (the units named keep their place)."""
        known = {u.year: u for u in evidence.direct}
        years = sorted(set(question.years) | set(known))
        if len(years) < 2:
            years = self.library.years
        query = " ".join([question.query, *(u.title for u in evidence.direct)])
        if evidence.direct or evidence.query_vector is None:
            started = time.perf_counter()
            vector = self.library.retriever.embed(query)
            evidence.timings.add("embed", started)
        else:
            vector = evidence.query_vector.tolist()
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
        numbered_years = self.library.numbered_years
        year = filters.year or (numbered_years[-1] if numbered_years else None)
        tasks = sorted(self.library.tasks_of(year), key=lambda u: u.number or 0) if year else []
        if year and (documents := self.structure_documents(question, year)):
            tasks = [u for u in tasks if u.doc_id in documents]
        if tasks and question.anchors:
            return neighbours(tasks, question.anchors, question.structure_target)
        if question.section and tasks:
            sections = sorted({u.section.number for u in tasks if u.section}, key=int)
            wanted = sections[-1] if question.section in ("last", "final") and sections else question.section
            return self._placed([u for u in tasks if u.section and u.section.number == wanted], question)
        if tasks and SECTION_NAMED.search(question.text):
            # a section named by its subject ("how many tasks sit under the public health section?"): its
            # tasks, whatever else the question asks of them; the section found is the one the question
            # names, so the answer is composed as a section's
            titled = self.section_titled(question.list_topic, year, says_section=True)
            if (titled := [u for u in titled if u in tasks]) and titled[0].section:
                question.section = titled[0].section.number
                return self._placed(titled, question)
        if tasks and question.structure_target in ("outline", "sections"):
            return tasks
        if tasks and question.structure_target == "penultimate" and len(tasks) >= 2:
            return [tasks[-2]]
        if tasks and question.structure_target == "count":
            return [tasks[-1], tasks[0]]
        if tasks and question.structure_target == "last":
            return [tasks[-1]]
        if tasks and question.structure_target == "first":
            return [tasks[0]]
        years = [filters.year] if filters.year else self.library.years
        notices = [u for u in self.library.notices if u.year in years]
        named = documents_named(question.text, filters.year, [u.doc_id for u in notices])
        return [u for u in notices if u.doc_id in named] if named else notices

    @staticmethod
    def _placed(section: list[Task], question: Question) -> list[Task]:
        """A section's tasks, or the one the question names by its place in the section ("the last task of
        section 2", "the opening task of the section on X"): then it is asked about that task, not the
        section, and the answer is composed as one task's."""
        place = {"first": 0, "last": -1, "penultimate": -2}.get(question.structure_target or "")
        if place is None or question.asks_how_many or len(section) < -place:
            return section
        question.section = None
        return [section[place]]

    def structure_documents(self, question: Question, year: int) -> list[str]:
        """The document of `year` whose structure the question asks about, when the year holds several: the
        one it names ("the second-half 2023 notice", "the 2019 news summary"), else the year's own notice
        (id = the year). Counting, first and last tasks and sections are each one document's: the tasks of a
        notice and of its news summary, or of two half-year notices, merged by number are neither."""
        of_year = [d for d in self.library.documents if d.startswith(str(year))]
        if len(of_year) < 2:
            return of_year
        named = documents_named(question.text, year, of_year)
        return named or [d for d in of_year if d == str(year)] or of_year

    def section_titled(self, words: set[str], year: int | None, says_section: bool = False) -> list[Task]:
        """The tasks of the sections a list question names by their title ("which 2025 tasks come under
        public health and monitoring?"): every asked word in the title, and at most one title word unasked
        (so that "public hospitals" does not stand for a whole section titled "Reforming public hospitals
        and their pay"). A question that says "section" may name a long title by part of it ("the section on
        the public health system"): two asked words or more, in one section's title only."""
        # a hyphenated word counts by its parts, as titles write them ("prevention-first": "prevention first")
        words = {part for w in words for part in content_words(w.replace("-", " "))}
        if not words:
            return []
        tasks = self.library.tasks_of(year)
        holding = {
            (u.doc_id, u.section.number): content_words(u.section.title)
            for u in tasks
            if u.section and words <= content_words(u.section.title)
        }
        titled = {key for key, title in holding.items() if len(title - words) <= 1}
        if not titled and says_section and len(words) >= 2 and len(holding) == 1:
            titled = set(holding)
        return [u for u in tasks if u.section and (u.doc_id, u.section.number) in titled]

    def list_matches(self, question: Question, filters: Filters) -> list[Task]:
        """The exact task set a list question asks for, from the parsed metadata (or the tasks' words)."""
        q, year = question, filters.year
        if q.deadline_window or q.departments or q.section or q.asks_deadline:
            window = q.deadline_window
            tasks = self.library.tasks_matching(
                year,
                q.section,
                q.departments,
                q.deadline_month,
                dated=window is not None or not (q.departments or q.section),
            )
            # a window of months ("by September 2021", "Q3 2021"): the tasks with a deadline inside it
            return (
                tasks
                if window is None
                else [u for u in tasks if any(window.holds(d.month) for d in u.deadlines)]
            )
        # the question's own words first: the glossary's translations ("elderly" → "elderly old") would
        # demand words the matching tasks need not use; they stand in only for words the corpus lacks
        if q.quoted:  # asked for as written: the tasks that write it, or none
            return self._quoting(q.quoted, year)
        asked = q.list_topic
        if section := self.section_titled(asked, year, bool(SECTION_NAMED.search(q.text))):
            return section
        if either := self._either_topic(q, year):
            return either
        return self._topic_matches((asked, self._translated(asked, q.query_topic)), year, q.text)

    def _translated(self, asked: set[str], expanded: set[str]) -> set[str]:
        """A topic's words as the glossary translates them: the words it added, and those asked that the
        corpus writes."""
        return (expanded - asked) | (asked & self.vocabulary.words)

    def _topic_matches(self, wordings: tuple[set[str], ...], year: int | None, text: str) -> list[Task]:
        """The tasks holding every word of one topic, by the first of its `wordings` any task holds."""
        for words in wordings:
            words = self.one_topic(words, year, text)
            matches = [u for u in self.library.task_words.containing(words) if year is None or u.year == year]
            if words and matches:
                return matches
        return []

    def _either_topic(self, question: Question, year: int | None) -> list[Task]:
        """The tasks holding any of the topics a list question offers as alternatives ("credit records or
        credit systems", "pregnant women or newborns"), in document order; empty when it offers none.

        Each side is matched as a topic of its own: the words of both sides together would ask for tasks
        holding all of them, which a task writing only one side does not.
        """
        found: set[str] = set()
        for asked, expanded in question.list_alternatives:
            wordings = (asked, self._translated(asked, expanded))
            found |= {u.id for u in self._topic_matches(wordings, year, question.text)}
        return [u for u in self.library.tasks if u.id in found]

    def one_topic(self, words: set[str], year: int | None, text: str) -> set[str]:
        """The asked words that name one topic: the largest group of them written together in sentences of
        the tasks.

        A list question's words include its framing ("across both years, which tasks mention telemedicine?",
        "doctors out in the countryside"); a task must hold every topic word, so a framing word that some
        task happens to write ("across the country", "carry out") shrinks the list to that task, or becomes
        the topic. The corpus tells them apart: the words of one topic are written together, in one sentence
        ("rural doctors"), a framing word with none of them. Asked words that share a sentence are linked;
        the largest linked group is the topic (of equal groups, the one the question names last: it names
        its topic after its framing). Words the corpus never writes are kept (the caller translates them),
        and so are common ones (most tasks hold them: they narrow nothing).
        """
        index = self.library.task_words
        held = sorted(w for w in words if 0 < index.share(w) <= COMMON_WORD)
        if len(held) < 2:
            return words
        group = {w: w for w in held}  # union-find: each word's representative

        def root(word: str) -> str:
            while group[word] != word:
                word = group[word]
            return word

        seen: set[str] = set()
        for task in (t for w in held for t in index.containing({w})):
            if task.id in seen or (year is not None and task.year != year):
                continue
            seen.add(task.id)
            for sentence in (task.title, *task.sentences):
                together = sorted(content_words(sentence) & set(held))
                for other in together[1:]:
                    group[root(other)] = root(together[0])
        groups: dict[str, set[str]] = {}
        for word in held:
            groups.setdefault(root(word), set()).add(word)
        tokens = [w for token in re.findall(r"[\w'-]+", text) for w in sorted(content_words(token))]
        last = {w: i for i, w in enumerate(tokens)}
        topic = max(groups.values(), key=lambda g: (len(g), max(last.get(w, -1) for w in g)))
        return words - (set(held) - topic)

    def _quoting(self, phrases: list[str], year: int | None) -> list[Task]:
        """The tasks that write every quoted phrase as quoted (case and spacing aside): a quoted term such
        as "Internet +" is asked for as written, which its words alone ("internet") do not say."""
        wanted = [f" {written_form(p)} " for p in phrases]
        tasks = self.library.tasks_of(year)
        return [u for u in tasks if all(w in f" {written_form(u.text)} " for w in wanted)]

    def found(
        self, question: Question, units: list[Task], confidence: float, timings: Timings | None = None
    ) -> Found:
        """What the checks judge by: the units, and how well their sentences support the question's focus
        and premise (measured only if a check needs it; the embedding time goes to `timings`' "embed")."""
        asked = " ".join(focus_terms(question))
        return Found.of(
            question,
            units,
            confidence,
            # a pronoun or framing words alone ("about it", "that section") name nothing to look up
            focus=self.support(asked, units, timings) if key_terms(asked) else None,
            premise=self.support(question.premise, units, timings) if question.premise else None,
        )

    def support(self, phrase: str, units: list[Task], timings: Timings | None = None) -> Support:
        """How well one sentence of `units` supports `phrase`: by its words, or by meaning (embeddings).

        The meaning is measured lazily: the checks compare it only when the words are not all there, and
        embedding the phrase costs as much as embedding the question.
        """
        if not units:
            return Support(similarity=0.0, present=False)

        def similarity() -> float:
            started = time.perf_counter()
            vector = np.asarray(self.library.retriever.embed(phrase), dtype=np.float32)
            if timings is not None:
                timings.add("embed", started)
            self.library.read_sentence_vectors(units)  # one index read for the units not read yet
            sentences = np.vstack([self.library.sentence_vectors(u) for u in units])
            return float(np.max(sentences @ vector))

        stand_ins = self.library.retriever.neighbours
        return Support(
            similarity=similarity,
            present=present(phrase, units, lambda words: stand_ins.nearest(words, self.stand_in_similarity)),
        )

    def _confidence(self, evidence: Evidence) -> float:
        """How well the best passage matches: the best unit, or the best single sentence of the top units.

        A long task dilutes its embedding, so one sentence that matches closely counts as much.
        """
        if not evidence.hits or evidence.query_vector is None:
            return 0.0
        vector = evidence.query_vector
        top = [h.unit for h in evidence.hits[:3]]
        self.library.read_sentence_vectors(top)  # one index read for the units not read yet
        vectors = [self.library.sentence_vectors(unit) for unit in top]
        sentences = max(float(np.max(v @ vector)) for v in vectors)
        return max(evidence.hits[0].similarity, sentences)


def neighbours(tasks: list[Task], anchors: list[set[str]], relation: str | None) -> list[Task]:
    """The task before or after the one `anchors` names, or the tasks between the two it names, in the
    numbered order of `tasks` (one document's). A task is named by the words of its title ("the Healthy
    China one"), else of its text; of tasks holding as many, the one whose title has fewest other words."""
    named = [_named_by(tasks, words) for words in anchors]
    places = [tasks.index(u) for u in named if u is not None]
    if relation == "between" and len(places) == 2:
        low, high = sorted(places)
        return tasks[low + 1 : high]
    if len(places) != 1 or relation not in ("before", "after"):
        return []
    place = places[0] + (1 if relation == "after" else -1)
    return [tasks[place]] if 0 <= place < len(tasks) else []


def _named_by(tasks: list[Task], words: set[str]) -> Task | None:
    def score(task: Task) -> tuple[int, int, float]:
        title = content_words(task.title)
        text = content_words(" ".join(task.sentences))
        return (len(words & title), len(words & text), -len(title - words))

    best = max(tasks, key=score, default=None)
    return best if best is not None and score(best)[:2] != (0, 0) else None


def _named_departments_first(question: Question, hits: list[Hit], among: int = 3) -> list[Hit]:
    """For a who-question naming a department ("is the customs administration part of the covid task?"), the
    closest hits that make that department responsible first: of tasks on the same topic, the one naming it
    is the one asked about. Only among the first `among`, so a department does not pull in a far topic."""
    if question.intent is not Intent.WHO or not question.departments:
        return hits
    close = hits[:among]
    naming = [h for h in close if set(question.departments) & set(h.unit.departments)]
    return [*naming, *(h for h in close if h not in naming), *hits[among:]]


def _answering_first(unit: Task | None, hits: list[Hit]) -> list[Hit]:
    """The hits with the one on `unit` first, when there is one."""
    if unit is None:
        return hits
    return [*(h for h in hits if h.unit is unit), *(h for h in hits if h.unit is not unit)]


def _chinese_refusal(reading: ChineseReading, about: list[Task]) -> Refusal | None:
    """A Chinese question is refused when no retrieved passage holds most of its subject words, when none
    of those that do holds a figure it states, or when it asks for a figure and none gives one."""
    code = unsupported(reading, about)
    if code is None:
        return None
    refusal = RefusalCode(code)
    return Refusal(code=refusal, message=CHINESE_REFUSALS[refusal])

"""Reading a question that follows the reform across notices: which view it asks for (what is new, dropped,
continued, how a topic evolved, what falls due, what a department leads), the deadline window, the
departments it names, and the topic it is about, if any.

Departments are recognised the way people name them, not only by their official names and the aliases of
`index.departments`: by acronym ("NMPA", "MOF") and by the words that set a name apart from the others'
("the market regulator", "the science ministry", "customs"), among the departments the indexed documents
make responsible. Nothing here depends on one document's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from assistant.core.text import content_words
from assistant.core.understand.terms import MINOR_WORDS, acronym
from assistant.core.understand.when import MONTHS, time_window
from assistant.core.understand.when import DeadlineWindow as DeadlineWindow
from assistant.core.understand.when import next_month as next_month
from assistant.core.understand.when import previous_month as previous_month
from index.departments import DEPARTMENT_ALIASES, department_names, find_departments


class ReformIntent(StrEnum):
    NEW = "new"
    DROPPED = "dropped"
    CONTINUED = "continued"
    EVOLVED = "evolved"
    DUE = "due"
    LEADS = "leads"


NEW_WORDS = re.compile(
    r"\bwhat(?:'s| is| are) new\b|\bnew (?:tasks|items)\b|\b(?:tasks|items) (?:are|were) new\b"
    r"|\bnew in (?:20\d\d|this year)\b|\bis (?:it|the [\w\s-]+) new\b"
    # "something 2022 added", "added in 2022", "the first time we see it in 2022"
    r"|\b(?:something|anything|what) (?:the )?20\d\d(?:'s)? (?:notice |plan |summary )?added\b"
    r"|\badded in 20\d\d\b"
    r"|\bfirst time\b(?=[^?]*\b20\d\d\b)"
)
# "not", "never" and the contracted "n't" ("weren't carried into 2022", "didn't make it into")
_NOT = r"(?:\bnot|\bnever|n't)"
DROPPED_WORDS = re.compile(
    r"\b(dropp?(?:ed|s|ing)?|removed|disappeared|discontinued|no longer (?:appear|listed|included)|left out"
    r"|omitted|no counterpart)\b"
    rf"|{_NOT} (?:been )?(?:continued|carried (?:over|forward|on|into)|kept|retained|ma(?:k|d)e it)\b"
)
# a topic said to carry on: "still on the list in 2022", "mentioned again in 2022", "survived into 2022"
CONTINUED_WORDS = re.compile(
    r"\b(continued?|carr(?:y|ied) (?:over|forward|on|into)|kept|keep|retained?"
    r"|still|follow(?:s|ed)? up on"
    r"|stay(?:ed|s)? (?:on|in)|remain(?:ed|s)? (?:on|in)|surviv(?:e|ed|es)|ma(?:k|d)es? it (?:in)?to"
    r"|(?:mentioned|named|listed|included|appear(?:ed|s)?|featured?|show(?:ed|s)? up|c[oa]me up) again)\b"
)
EVOLVED_WORDS = re.compile(
    r"\b(evolved?|evolution|developed over|over the years|across (?:the )?(?:years|notices)|over time"
    r"|from year to year|year (?:by|on|to) year|(?:in|across) (?:each|every) (?:year|notice)"
    r"|(?:trace|track|follow)(?:s|ed|ing)?(?=\b[^?]*\b(?:through|across|over) the (?:notices|years|docu))"
    r"|(?:through|across|over) the (?:notices|documents))\b"
)
CHANGE_QUESTION = re.compile(r"\bhow (?:did|has|have|do|does)\b(?=[^?]*\bchang(?:e|ed|es)\b)")
# the framing of a comparison question, left out of the topic it asks about
COMPARISON_FRAME = re.compile(
    r"^\W*(?:how\s+(?:has|have|did|do|does)|compare|what\s+(?:has|have)\s+changed\s+in)\b"
    r"|\b(?:changed|changes?|developed|compared?|in each notice|from year to year|year (?:by|on|to) year)\b"
)
DEADLINE_WORDS = re.compile(
    r"\b(?:due|deadlines?|dates?|dated|deliverables?"
    r"|(?:be|being|get|got|getting) (?:done|completed|finished|issued|delivered|met))\b"
)
OBLIGATION = re.compile(
    r"\b(?:(?:has|have|need|needs|got) to|must|should|is to|are to)"
    r" (?:be )?(?:deliver|finish|complete|do|done|issue|submit|produce|hand in)\w*"
)
LISTING = re.compile(
    r"^\W*(?:which|what|list)\b[^?]*\b(?:tasks|items|topics|areas|ones|jobs|themes|priorities)\b"
    # the list named first: "of 2021's section four tasks, which carried on?"
    r"|\b(?:tasks|items|topics|jobs|priorities),? which\b"
)
LISTS_DEADLINES = re.compile(r"\b(?:every|all|each|list)\b[^?]*\b(?:deadlines?|dates)\b|\bdeadlines\b")
LEAD_WORDS = re.compile(
    r"\b(?:lead(?:s|ing)?|led|head(?:s|ed|ing)?|in charge|take charge|responsib\w*|involved|assigned"
    r"|given to|jobs?|duties|role|(?:got|has|have|needs?) to do"
    # a body "on" tasks: "is the sports bureau on any of the tasks?"
    r"|on (?:any|which|what|how many)(?: of the)?(?: \w+)? (?:tasks?|jobs?|items?))\b"
)
# a question that asks for a department rather than about one ("which ministry is responsible for …")
ASKS_FOR_DEPARTMENT = re.compile(
    r"^\W*who\b|\b(?:which|what)\s+(?:\w+\s+)?(?:departments?|ministr(?:y|ies)|agenc(?:y|ies)|bod(?:y|ies)"
    r"|organi[sz]ations?|authorit(?:y|ies)|regulators?)\b"
)
ORG_NOUN = re.compile(
    r"^(?:ministry|ministries|regulators?|administration|authorit(?:y|ies)|agenc(?:y|ies)|bureau"
    r"|department|commission|office|secretariat)$"
)
# words of an official name that say what kind of body it is, not which one
NAME_GENERIC = content_words(
    "national state general ministry administration commission bureau office department china central "
    "council secretariat"
)
# words of a reform question that are its framing, not a topic
FRAMING = content_words(
    "which what how when does did do was were is are has have tasks task items item topics topic agenda "
    "list lists notice notices plan plans year years work jobs job duties duty role anything something "
    "everything lead leads leading led head heads headed charge responsible responsibility involved "
    "assigned given take takes play reform reforms government due deadline deadlines date dates order "
    "every all each done completed finished issued delivered met must need needs still new dropped drop "
    "continue continued carried carry kept keep keeps stayed remained evolved changed change compare "
    "trace track "
    "follow notices documents time period please month months hit meet reach fall falls set sets expected "
    "regulator regulators authority authorities agency agencies body bodies ministry department "
    "from between into onto through across over since until during within about any some "
    # filler nouns and the words of a deadline's frame ("the drug side of things", "by a specific date")
    "thing things stuff side get gets got getting face faces facing specific particular fixed firm hard "
    "dated deliverable "
    "deliverables two both again survive survived mentioned together jointly common shared co-lead "
    # pronouns and negations, which name no topic ("for them", "weren't carried")
    "it its itself they them themselves their this that these those weren't wasn't isn't aren't didn't "
    "doesn't don't hasn't haven't"
)
# every reform intent needs one of these
INTENT_WORDS = (
    EVOLVED_WORDS,
    CHANGE_QUESTION,
    DROPPED_WORDS,
    NEW_WORDS,
    CONTINUED_WORDS,
    DEADLINE_WORDS,
    OBLIGATION,
    LEAD_WORDS,
)
RARE_SHARE = 0.2  # a name word that appears in fewer tasks than this names its department on its own


@dataclass(frozen=True)
class ReformQuestion:
    """What a reform question asks, read once."""

    intent: ReformIntent
    text: str  # lower-cased, single-spaced
    years: list[int]
    departments: list[str] = ()  # type: ignore[assignment]
    window: DeadlineWindow | None = None
    topic: bool = False  # it names a topic (a task's subject) beyond its framing
    listing: bool = False  # it asks for a list of tasks ("which 2021 tasks on … were dropped")
    original: str = ""  # as asked: its capitalisation says which words are names
    section: int | None = (
        None  # the section of a notice a list keeps to ("2021's section four tasks"), 1-based
    )


def read_reform_question(
    question: str,
    departments: Sequence[str],
    share: Callable[[str], float],
    written: Mapping[str, Collection[str]] | None = None,
) -> ReformQuestion | None:
    """The reform question `question` asks, or None when it is not one.

    `departments` are the departments the indexed tasks name; `share(word)` is the share of tasks whose
    text holds a (stemmed) word, so that a rare name word ("customs") can name its department alone;
    `written` the names the documents write for each department (`mentioned_departments`).
    """
    text = re.sub(r"\s+", " ", question.lower()).strip()
    if not any(words.search(text) for words in INTENT_WORDS):
        return None  # most questions: nothing below can match, so no department or topic is read
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b", text)]
    named = mentioned_departments(question, departments, share, written)
    # words next to a word for a body name that body ("the medical insurance bureau"), not a topic
    naming = content_words(
        " ".join(w for _, window in _bodies(re.findall(r"[A-Za-z]+", text), ()) for w in window)
    )
    topic = bool(topic_words(text, named) - naming) if named else bool(topic_words(text, named))
    change = _change_intent(text, topic)
    if change is not None:
        listing = bool(LISTING.search(text))
        section = section_named(question)
        if section is not None:  # "section four" says which tasks, not what about
            topic = bool(topic_words(SECTION_NAMED.sub(" ", text), named) - naming)
        return ReformQuestion(
            change, text, years, named, topic=topic, listing=listing, original=question, section=section
        )
    window = time_window(text, years)
    listed = (named or LISTS_DEADLINES.search(text)) and not topic  # "NDRC deadlines", "every deadline"
    asks_who = ASKS_FOR_DEPARTMENT.search(text)  # "who leads the task due in October?": not a deadline list
    # an obligation within a named window ("what does X have to deliver in Q3?") asks what falls due then
    dated_obligation = window is not None and OBLIGATION.search(text)
    if (DEADLINE_WORDS.search(text) or dated_obligation) and (window is not None or listed) and not asks_who:
        if window is None and years:
            window = DeadlineWindow(f"{min(years)}-01", f"{max(years)}-12")
        return ReformQuestion(ReformIntent.DUE, text, years, named, window, original=question)
    if named and LEAD_WORDS.search(text) and not ASKS_FOR_DEPARTMENT.search(text) and not topic:
        return ReformQuestion(ReformIntent.LEADS, text, years, named, original=question)
    return None


_SECTION_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_SECTION_NUMBERS |= {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_SECTION_NUMBERS |= {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
# a section as people number it: "section 4", "section four", "part IV", "the fourth section"
SECTION_NAMED = re.compile(
    r"\b(?:section|part|chapter)\s+(?P<n>[1-6]|one|two|three|four|five|six|(?-i:VI|IV|V|I{1,3}|vi|iv|v|i{2,3}))\b"
    r"|\b(?P<nth>first|second|third|fourth|fifth|sixth)\s+(?:section|part|chapter)\b"
    r"(?!\s+of\s+(?:the\s+)?(?:year|month|quarter)\b)",
    re.IGNORECASE,
)


def section_named(question: str) -> int | None:
    """The section number (1-based) a question names, or None."""
    match = SECTION_NAMED.search(question)
    if match is None:
        return None
    word = (match["n"] or match["nth"]).lower()
    return int(word) if word.isdigit() else _SECTION_NUMBERS[word]


def _change_intent(text: str, topic: bool) -> ReformIntent | None:
    if EVOLVED_WORDS.search(text) or (CHANGE_QUESTION.search(text) and not topic):
        return ReformIntent.EVOLVED
    # a topic with "dropped" or "kept" is a change question only when it names when ("in 2022", "the
    # notices"): "have drug prices dropped?" asks about prices
    dated = re.search(r"\b20\d\d\b|\bnotices?\b|\b(?:last|this|next) year\b", text)
    if DROPPED_WORDS.search(text) and (dated or not topic):
        return ReformIntent.DROPPED
    if NEW_WORDS.search(text):
        return ReformIntent.NEW
    listed = re.search(r"\b(tasks|items|topics|themes|priorities|jobs)\b", text)
    if CONTINUED_WORDS.search(text) and dated and (topic or listed):
        return ReformIntent.CONTINUED
    return None


def topic_words(text: str, departments: Sequence[str] = ()) -> set[str]:
    """Content words of a reform question beyond its framing, years and the departments it names."""
    named = set().union(*(content_words(d) for d in departments)) if departments else set()
    words = content_words(re.sub(r"\b20\d\d\b", " ", text))
    words -= {w for w in words if _is_acronym_of_any(w, departments)}
    return {w for w in words - FRAMING - named - NAME_GENERIC - set(MONTHS) if not w.isdigit()}


def _is_acronym_of_any(word: str, departments: Sequence[str]) -> bool:
    """Whether `word` is a department's acronym or the initials of its distinctive words ("TCM", "HR")."""
    return any(word.upper() in acronyms(d) | distinct_initials(d) for d in departments)


# one reader of time expressions for every question (understand/when.py); the old name stays importable
deadline_window = time_window


# departments as people name them


@cache
def acronyms(name: str) -> frozenset[str]:
    """A name's acronyms: initials without minor words ("NMPA", "SAMR") and with "of" ("MOF", "MOHRSS"),
    also with a hyphenated word as one initial and without a trailing "of the …" that says whose body it
    is ("State-owned Assets Supervision and Administration Commission of the State Council" → "SASAC").

    Cached: every question is matched against every department's acronyms, token by token."""
    words = name.replace("-", " ").split()
    with_of = "".join(w[0] for w in words if w.lower() not in MINOR_WORDS - {"of"}).upper()
    found = {acronym(name), with_of}
    short = re.sub(r"\s+of the\s+.*$", "", name)
    for variant in {name, short, re.sub(r"-\w+", "", name), re.sub(r"-\w+", "", short)}:
        if len(initials := acronym(variant)) >= 3:  # two letters of a shortened name name too much
            found.add(initials)
    return frozenset(found - {""})


@cache
def distinct_words(department: str) -> frozenset[str]:
    """The (stemmed) words that set a department's name apart: not those saying what kind of body it is."""
    return frozenset(content_words(department) - NAME_GENERIC)


def mentioned_departments(
    question: str,
    departments: Sequence[str],
    share: Callable[[str], float],
    written: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Departments `question` names, in the order it names them: by an official name or known alias (any
    department), by acronym among `departments`, and by informal names.

    An informal name is read next to each word for a body ("the science ministry", "the market regulator",
    "the ministry of finance", "the TCM bureau", "the HR ministry"): the department of `departments` whose
    distinctive words it names most, or whose distinctive words' initials it writes; a tie goes to the
    department whose own head noun the question uses ("the health commission": the National Health
    Commission, not the military's Health Bureau), else names none. A body named so that no department of
    `departments` matches may be one the documents never make responsible ("the commerce ministry"): it is
    then read among every known department, so that the answer can say it leads nothing. A name whose
    words are all rare in the tasks' text counts without a word for a body ("customs").

    `written` gives, per department, the names the documents write for it: a user may take their words
    from any of them ("the drug regulator" for the "State Drug Administration" the text names, whose
    official name is the National Medical Products Administration)."""
    named = department_names(question)
    rest = question
    for as_written, _ in find_departments(question):
        rest = re.sub(re.escape(as_written), " , ", rest, flags=re.IGNORECASE)
    tokens = re.findall(r"[A-Za-z]+", rest)
    full_acronyms = {
        i
        for i, t in enumerate(tokens)
        if len(t) >= 2 and (t.isupper() or len(t) >= 4) and _by_acronym(t, departments)
    }
    for i in sorted(full_acronyms):
        named.append(_by_acronym(tokens[i], departments)[0])
    informal = [
        found
        for body, window in _bodies(tokens, skip=full_acronyms)
        if (
            found := _informal_name(body, window, departments, written)
            or _informal_name(body, window, [d for d in KNOWN_DEPARTMENTS if d not in departments], None)
        )
    ]
    named += informal
    named += _named_by_rare_words(tokens, departments, share, written)
    return list(dict.fromkeys(named))


KNOWN_DEPARTMENTS = tuple(DEPARTMENT_ALIASES)


def _by_acronym(token: str, departments: Sequence[str]) -> list[str]:
    return [d for d in departments if token.upper() in acronyms(d)]


def _bodies(tokens: list[str], skip: Collection[int]) -> list[tuple[str, list[str]]]:
    """Each word for a body in `tokens`, with the words that may name which body: the three before it, and
    after "<body> of" the four that follow."""
    found: list[tuple[str, list[str]]] = []
    for i, token in enumerate(tokens):
        if not ORG_NOUN.match(token.lower()):
            continue
        window = [tokens[k] for k in range(max(i - 3, 0), i) if k not in skip]
        if i + 1 < len(tokens) and tokens[i + 1].lower() == "of":
            window += [tokens[k] for k in range(i + 2, min(i + 6, len(tokens))) if k not in skip]
        found.append((token.lower(), window))
    return found


def _informal_name(
    body: str,
    window: list[str],
    departments: Sequence[str],
    written: Mapping[str, Collection[str]] | None,
) -> str | None:
    """The one department of `departments` the words next to a body word name, or None."""
    near = content_words(" ".join(window).lower())
    initials = {w.upper() for w in window if len(w) >= 2 and w.isupper()}
    scored: list[tuple[int, str]] = []
    for department in departments:
        names = {department, *(written or {}).get(department, ())}
        score = max(len(distinct_words(name) & near) for name in names)
        if initials & set().union(*(distinct_initials(name) for name in names)):
            score = max(score, 2)  # the initials of several distinctive words: "TCM", "HR"
        if score:
            scored.append((score, department))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    winners = [d for score, d in scored if score == best]
    if len(winners) > 1:  # "the health commission": the department whose own head noun is "commission"
        winners = [
            d
            for d in winners
            if any(_head_noun(n) == _singular(body) for n in {d, *(written or {}).get(d, ())})
        ]
    return winners[0] if len(winners) == 1 else None


def _named_by_rare_words(
    tokens: list[str],
    departments: Sequence[str],
    share: Callable[[str], float],
    written: Mapping[str, Collection[str]] | None,
) -> list[str]:
    """The department whose distinctive words the question holds, each rare in the tasks ("customs")."""
    every = content_words(" ".join(tokens).lower())
    scored: list[tuple[int, str]] = []
    for department in departments:
        for name in {department, *(written or {}).get(department, ())}:
            distinct = distinct_words(name)
            if distinct and distinct <= every and all(share(w) < RARE_SHARE for w in distinct):
                scored.append((len(distinct), department))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    winners = list(dict.fromkeys(d for score, d in scored if score == best))
    return winners if len(winners) == 1 else []


@cache
def distinct_initials(name: str) -> frozenset[str]:
    """Initials of each run of two or more consecutive distinctive words of a name ("Traditional Chinese
    Medicine" → "TCM", "Human Resources" → "HR"): how people shorten the part of a name that says which body
    it is."""
    words = [
        w for w in re.findall(r"[A-Za-z]+", name) if content_words(w) and not content_words(w) <= NAME_GENERIC
    ]
    runs: set[str] = set()
    for start in range(len(words)):
        for stop in range(start + 2, len(words) + 1):
            runs.add("".join(w[0] for w in words[start:stop]).upper())
    return frozenset(runs)


def _head_noun(name: str) -> str:
    """The word saying what kind of body a name is: the last word before its first "of" ("Health Bureau of
    the …" → "bureau", "National Health Commission" → "commission")."""
    before_of = re.split(r"\s+of\s+", name, maxsplit=1)[0].split()
    return _singular(before_of[-1].lower()) if before_of else ""


def _singular(word: str) -> str:
    return re.sub(r"(?:ies)$", "y", word) if word.endswith("ies") else word.removesuffix("s")

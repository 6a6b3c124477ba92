"""False premises judged from evidence, on the real index: a claim is confirmed only by a found sentence that
states the same kind of action, the same figures and (when it makes a department responsible) a task that
names that department; questions worded the same way with a true claim are answered.

Each case is one kind of claim read from the question's structure, not a question of any gold split.
"""

from __future__ import annotations

import pytest

from assistant.core.types import RefusalCode
from assistant.core.understand.question import read_question


@pytest.mark.parametrize(
    ("question", "premise"),
    [
        # "how come X?" takes X as given, as "why does X?" does
        ("How come the 2022 summary scraps the essential drug list?", "scraps the essential drug list"),
        ("how come they want day surgery everywhere", "they want day surgery everywhere"),
    ],
)
def test_how_come_presupposes_what_follows_it(settings, question, premise):
    assert read_question(question, [], settings.glossary_path).premise == premise


@pytest.mark.parametrize(
    "question",
    [
        # the claimed action works against what the documents promote (day surgery: 2021-17)
        "Why does the 2021 plan discourage day surgery?",
        # the claimed action puts off what they start (the essential drug list revision: 2021-19), yes or no
        "Did the 2021 notice postpone revising the essential drug list?",
        # an ending in other words (the Five Ones service action is promoted: 2022-6)
        "How come the 2022 summary got rid of the Five Ones service action?",
    ],
)
def test_a_claim_of_the_opposite_direction_is_refused_as_a_false_premise(service, question):
    answer = service.ask(question)
    assert answer.refused, answer.answer
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.FALSE_PREMISE
    assert "What they say:" in answer.refusal.message


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        # the same structures with the documents' own direction are answered
        ("Why does the 2021 plan promote day surgery?", "2021-17"),
        ("How come the 2021 plan wants school doctors?", "2021-18"),
    ],
)
def test_a_claim_in_the_documents_direction_is_answered(service, question, unit):
    answer = service.ask(question)
    assert not answer.refused, answer.answer
    assert unit in [c.id for c in answer.citations]


def test_a_premise_making_a_department_responsible_needs_the_task_on_its_subject_to_name_it(service):
    # the payment-method task (2021-5) names the medical insurance bureau, finance, health and TCM bodies
    wrong = service.ask(
        "Why is the Ministry of Civil Affairs in charge of reforming how medical insurance pays?"
    )
    assert wrong.refused, wrong.answer
    assert wrong.refusal is not None and wrong.refusal.code is RefusalCode.FALSE_PREMISE
    assert "2021 task (5) names as responsible" in wrong.refusal.message
    assert "Ministry of Finance" in wrong.refusal.message
    right = service.ask("Why is the Ministry of Finance in charge of reforming how medical insurance pays?")
    assert not right.refused, right.answer
    assert "2021-5" in [c.id for c in right.citations]


def test_a_premise_giving_a_department_to_a_summary_item_that_names_none_is_refused(service):
    answer = service.ask(
        "Why does the 2022 summary make the National Health Commission responsible for drug shortages?"
    )
    assert answer.refused, answer.answer
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.FALSE_PREMISE
    assert "names as responsible: no department" in answer.refusal.message


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # a number written in words is a figure like one in digits: the 2022 summary rewards 10
        ("Since the 2022 summary rewards twenty prefectures and cities, how are they picked?", True),
        ("Since the 2022 summary rewards ten prefectures and cities, how are they picked?", False),
        # …and "two policies" on resident physicians are written as such (2022-6)
        ("Given that the 2022 summary has two policies on resident physicians, what are they about?", False),
        ("Given that the 2022 summary has four policies on resident physicians, what are they about?", True),
    ],
)
def test_a_figure_written_in_words_must_be_the_documents_figure(service, question, refused):
    answer = service.ask(question)
    assert answer.refused is refused, answer.answer
    if refused:
        assert answer.refusal is not None and answer.refusal.code is RefusalCode.FALSE_PREMISE


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # a claim of everything is contradicted by the sentence giving a share of it (2022-6: 95%)
        ("Since the 2022 summary brings telemedicine to all districts and counties, what is left?", True),
        ("Since the 2022 summary brings telemedicine to 95% of districts and counties, what is left?", False),
    ],
)
def test_a_claim_of_everything_is_not_confirmed_by_a_share_of_it(service, question, refused):
    answer = service.ask(question)
    assert answer.refused is refused, answer.answer
    if refused:
        assert answer.refusal is not None and answer.refusal.code is RefusalCode.FALSE_PREMISE
        assert "95%" in answer.refusal.message


@pytest.mark.parametrize(
    "question",
    [
        # a size asked by its adjective, a price by its verb, a count named after the auxiliary
        "How big are the subsidies for village doctors under the 2021 plan?",
        "What does an outpatient visit cost under the 2021 plan?",
        "Of the 100,000 residents trained in 2022, how many are specialist nurses?",
    ],
)
def test_a_figure_asked_in_other_shapes_is_refused_when_no_sentence_gives_it(service, question):
    answer = service.ask(question)
    assert answer.refused, answer.answer
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.FIGURE_NOT_GIVEN


def test_a_count_named_after_the_auxiliary_is_answered_when_a_sentence_counts_it(service):
    answer = service.ask("Of everyone trained in 2022, how many were general practitioners?")
    assert not answer.refused, answer.answer
    assert "35,000" in answer.answer


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which pharmaceutical manufacturers produce the drugs in short supply?", "manufacturers"),
        ("Which schools run the new majors for the health service industry?", "schools"),
    ],
)
def test_makers_and_schools_asked_for_by_name_are_instances_not_named(service, question, kind):
    answer = service.ask(question)
    assert answer.refused, answer.answer
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.INSTANCES_NOT_NAMED
    assert kind in answer.refusal.message

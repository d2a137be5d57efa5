"""The extractive answerer picks sentences that answer, not ones that merely share words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retrieval.answer_types import AnswerType, answer_type
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Answer, RetrievedChunk


def chunk(text: str, n: int = 1, title: str = "Harbour news") -> RetrievedChunk:
    return RetrievedChunk(f"c{n}", f"a{n}", title, text, 0, len(text), 1.0 / n)


def test_how_many_question_prefers_the_sentence_with_a_number():
    text = (
        "Passengers on the Harbourview ferry complained about the ferry timetable again. "
        "The ferry carried 412 passengers on its first night."
    )
    answer = ExtractiveAnswerer(max_sentences=1).answer(
        "How many passengers did the ferry carry?", [chunk(text)]
    )
    assert "412" in answer.text


def test_who_question_prefers_a_new_name_next_to_the_matched_verb():
    text = (
        "Envoy Tomas Reed spoke during a meeting about the quay with harbour staff. "
        "On Tuesday the minister met Aino Varga for an hour."
    )
    answer = ExtractiveAnswerer(max_sentences=1).answer("Who did the minister meet?", [chunk(text)])
    assert "Aino Varga" in answer.text


def test_a_sentence_that_is_itself_a_question_is_not_the_answer():
    text = (
        "Which island will the night ferry serve next spring, residents asked the council? "
        "The night ferry will serve Gull Island from April."
    )
    answer = ExtractiveAnswerer(max_sentences=1).answer(
        "Which island will the night ferry serve?", [chunk(text)]
    )
    assert answer.text.startswith("The night ferry will serve Gull Island")


def test_an_articles_own_question_is_never_quoted_as_part_of_an_answer():
    text = (
        "Before the bridge, which boats carried carts across the Lind river to the market? "
        "Flat-bottomed ferries carried carts across the Lind river to the market until 1890."
    )
    answer = ExtractiveAnswerer().answer(
        "Before the bridge, which boats carried carts across the Lind river?", [chunk(text)]
    )
    assert answer.text.startswith("Flat-bottomed ferries")
    assert "?" not in answer.text and len(answer.citations) == 1


def test_a_further_sentence_must_answer_in_its_own_words_not_through_its_headline():
    text = (
        "The Harbourview council voted 7 to 2 on Tuesday to keep the night ferry running. "
        "(Fictional sample article written for the demo.)"
    )
    title = "Harbourview council votes to keep the night ferry running"
    answer = ExtractiveAnswerer().answer("What did the council decide?", [chunk(text, title=title)])
    assert answer.text == (
        "The Harbourview council voted 7 to 2 on Tuesday to keep the night ferry running. [1]"
    )


def test_abstention_says_what_is_not_known_and_names_the_nearest_articles():
    chunks = [chunk("The bakery opened a second oven on Monday morning.", 1, "Bakery grows")]
    answer = ExtractiveAnswerer().answer("Which spacecraft landed on the moon?", chunks)
    assert answer.mode == "abstain" and answer.citations == ()
    assert answer.text == "The ingested articles don't say which spacecraft landed on the moon."
    assert [c.title for c in answer.nearest] == ["Bakery grows"]


def test_an_abstentions_nearest_articles_are_the_first_three_retrieved_one_passage_each():
    retrieved = [chunk(text, n) for n, text in enumerate(["Ferry.", "More.", "Bakery.", "Tram.", "Fog."], 1)]
    retrieved[1] = replace(retrieved[1], article_id="a1")
    answer = Answer("q", "The ingested articles don't say.", "abstain", (), tuple(retrieved))
    assert [c.chunk_id for c in answer.nearest] == ["c1", "c3", "c4"]
    assert [n["article_id"] for n in answer.to_dict()["nearest"]] == ["a1", "a3", "a4"]
    assert replace(answer, mode="extractive").nearest == ()


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What is the capital of Mongolia?", "don't say what the capital of Mongolia is."),
        ("Who is the new harbour master?", "don't say who the new harbour master is."),
        ("Who is leading the regatta?", "don't say who is leading the regatta."),
        ("Who was elected mayor?", "don't say who was elected mayor."),
        ("How many boats sank?", "don't say how many boats sank."),
        (
            "When did the minister meet the envoy?",
            "don't say this (“When did the minister meet the envoy?”).",
        ),
        ("Where was the summit held?", "don't say this (“Where was the summit held?”)."),
        ("Is the ferry late?", "don't say this (“Is the ferry late?”)."),
        ("is the ferry late", "don't say this (“is the ferry late?”)."),
        # a claim looked up with Find sources is quoted as it was written, not made a question
        ("The mayor bought a yacht!", "don't say this (“The mayor bought a yacht”)."),
        # a quiz question that sets the scene first is still a question
        (
            "The ferry was renamed. What is its new name?",
            "don't say this (“The ferry was renamed. What is its new name?”).",
        ),
    ],
)
def test_abstention_turns_the_question_into_grammatical_english(question: str, says: str) -> None:
    chunks = [chunk("The bakery opened a second oven on Monday morning.", 1, "Bakery grows")]
    answer = ExtractiveAnswerer().answer(question, chunks)
    assert answer.mode == "abstain"
    assert answer.text == f"The ingested articles {says}"


def test_answer_types():
    assert answer_type("How many seats did the party win?") is AnswerType.NUMBER
    assert answer_type("Which country declared an emergency?") is AnswerType.PLACE
    assert answer_type("Who won the race?") is AnswerType.PERSON
    assert answer_type("When did the bridge open?") is AnswerType.DATE
    assert answer_type("Which airline grounded its planes?") is AnswerType.NAME
    assert answer_type("What do you call a group of crows?") is AnswerType.NONE


def test_the_answerer_reads_the_same_amount_of_text_whatever_the_chunk_size():
    sentence = "The harbour board met on Monday to discuss the tide gauges. "
    long_chunks = [chunk(sentence * 40, n) for n in range(1, 6)]  # about 480 tokens each
    short_chunks = [chunk(sentence * 20, n) for n in range(1, 9)]  # about 240 each
    answerer = ExtractiveAnswerer()
    assert [c.chunk_id for c in answerer.to_read(long_chunks)] == ["c1", "c2"]
    assert [c.chunk_id for c in answerer.to_read(short_chunks)] == ["c1", "c2", "c3", "c4"]
    assert [c.chunk_id for c in answerer.to_read(long_chunks[:1])] == ["c1"]
    assert answerer.to_read([]) == []


def test_a_sentence_past_the_reading_budget_is_not_quoted():
    filler = chunk("The harbour board met on Monday to discuss the tide gauges. " * 80, 1)
    late = chunk("The ferry carried 412 passengers on its first night.", 2)
    question = "How many passengers did the ferry carry?"
    assert "412" not in ExtractiveAnswerer().answer(question, [filler, late]).text
    assert "412" in ExtractiveAnswerer(read_tokens=2000).answer(question, [filler, late]).text

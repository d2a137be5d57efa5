"""``ask``: the one question-answering entry point both front ends call."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from retrieval.errors import NewsdeskError
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Answer, RetrievedChunk
from retrieval.outlets import outlet_named
from retrieval.search import Retriever
from retrieval.timeframe import time_window

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000


class InvalidQuestion(NewsdeskError):
    """A question that is empty or too long."""


class Answerer(Protocol):
    def answer(
        self, question: str, retrieved: list[RetrievedChunk], as_of: datetime | None = None
    ) -> Answer: ...


class AskService:
    """Retrieve, then answer with citations.

    Args:
        retriever: Finds chunks for a question.
        answerer: Turns chunks into a cited answer (extractive by default).
    """

    def __init__(self, retriever: Retriever, answerer: Answerer | None = None) -> None:
        self.retriever = retriever
        self.answerer: Answerer = answerer or ExtractiveAnswerer()

    def ask(
        self, question: str, namespace: str = "default", k: int = 10, as_of: datetime | None = None
    ) -> Answer:
        """Answer ``question`` from the articles of ``namespace``.

        Args:
            question: The user's question.
            namespace: Whose articles (a guild id, or ``default`` for the terminal).
            k: How many chunks to retrieve.
            as_of: The moment of asking (now when ``None``); later articles are not used.

        A question naming a period ("in March 2024", "last month") or an outlet ("according to
        the Courier") is answered from the articles published in it or by it; when there are
        none, from all, with a notice saying so.
        """
        question = " ".join(question.split())
        if not question:
            raise InvalidQuestion("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"the question is too long (over {MAX_QUESTION_CHARS} characters)")
        t0 = time.perf_counter()
        window = time_window(question, as_of)
        outlet = outlet_named(question, self.retriever.lexical.outlets(namespace))
        retrieved = self.retriever.search(question, namespace, k=k, as_of=as_of, window=window, source=outlet)
        notice = None
        if (window or outlet) and not retrieved:
            retrieved = self.retriever.search(question, namespace, k=k, as_of=as_of)
            if retrieved:
                limits = [f"from {outlet}"] if outlet else []
                limits += [f"published {window.phrase}"] if window else []
                other = " and ".join(n for n, on in (("outlets", outlet), ("dates", window)) if on)
                notice = f"Nothing {' '.join(limits)} matched; these sources are from other {other}."
        t1 = time.perf_counter()
        answer = self.answerer.answer(question, list(retrieved), as_of=as_of)
        t2 = time.perf_counter()
        if notice:
            answer = replace(answer, notice=f"{notice} {answer.notice}" if answer.notice else notice)
        timings = {"retrieve_ms": (t1 - t0) * 1000, "answer_ms": (t2 - t1) * 1000}
        log.info(
            "ask namespace=%s k=%d mode=%s retrieved=%d retrieve_ms=%.1f answer_ms=%.1f",
            namespace,
            k,
            answer.mode,
            len(retrieved),
            timings["retrieve_ms"],
            timings["answer_ms"],
        )
        return replace(answer, timings_ms=timings)

"""``ask``: the one question-answering entry point both front ends call."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from retrieval.digest import DIGEST_SIZE, asks_for_news, asks_for_summary, digest, news_window, summary
from retrieval.errors import ArticleNotFound, NewsdeskError
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.outlets import name_words, outlet_named, outlet_names
from retrieval.search import Retriever
from retrieval.store import ArticleSummary
from retrieval.stories import (
    TIMELINE_SIZE,
    articles_about,
    coverage,
    coverage_subject,
    timeline,
    timeline_subject,
)
from retrieval.timeframe import Window, published_bounds, time_window

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000


class InvalidQuestion(NewsdeskError):
    """A question that is empty or too long."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits the asker set explicitly (``--since``, ``outlet:``), not read from the question.

    ``since`` and ``until`` are inclusive; ``outlet`` names one of the namespace's outlets
    (case-insensitive); ``article`` is one article's id or URL ("what does this story say
    about …?").
    """

    since: datetime | None = None
    until: datetime | None = None
    outlet: str | None = None
    article: str | None = None

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlet or self.article)

    def window(self) -> Window | None:
        """The publication period, or ``None`` when no date was set."""
        if self.since is None and self.until is None:
            return None
        start = self.since or datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
        end = self.until + timedelta(seconds=1) if self.until else datetime(9999, 1, 1, tzinfo=UTC)
        day = "%Y-%m-%d"
        if self.since and self.until:
            phrase = f"from {self.since:{day}} to {self.until:{day}}"
        else:
            phrase = f"since {self.since:{day}}" if self.since else f"until {self.until:{day}}"
        return Window(start, end, phrase)


class Answerer(Protocol):
    def answer(
        self, question: str, retrieved: list[RetrievedChunk], as_of: datetime | None = None
    ) -> Answer: ...


@runtime_checkable
class Summarizer(Protocol):
    """An answerer that can also summarize one article (a chat model's)."""

    def summarize(
        self, question: str, passages: list[RetrievedChunk], extractive: Answer, as_of: datetime | None = None
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
        self,
        question: str,
        namespace: str = "default",
        k: int = 10,
        as_of: datetime | None = None,
        limits: Limits | None = None,
    ) -> Answer:
        """Answer ``question`` from the articles of ``namespace``.

        Args:
            question: The user's question.
            namespace: Whose articles (a guild id, or ``default`` for the terminal).
            k: How many chunks to retrieve.
            as_of: The moment of asking (now when ``None``); later articles are not used.
            limits: A period and/or outlet the asker chose: only those articles are searched
                (no fallback), and the question's own wording sets no further limit.

        A question naming a period ("in March 2024", "last month") or an outlet ("according to
        the Courier") is answered from the articles published in it or by it; when there are
        none, from all, with a notice saying so. A request for the news itself ("what's new?",
        "what did the Courier report?") lists the newest articles by their ledes, and
        "summarize" asked of one article gives its lede and the sentences after it (see
        :mod:`retrieval.digest`).
        """
        question = " ".join(question.split())
        if not question:
            raise InvalidQuestion("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"the question is too long (over {MAX_QUESTION_CHARS} characters)")
        t0 = time.perf_counter()
        if limits and limits.since and limits.until and limits.since > limits.until:
            raise InvalidQuestion("the period ends before it starts (since is after until)")
        if limits and limits.article:
            if asks_for_summary(question):
                return self._summary(question, namespace, limits.article, as_of)
            return self._ask_within(question, namespace, k, as_of, limits, t0)
        if limits:
            if asks_for_news(question) or asks_for_summary(question):
                return self._news(question, namespace, as_of, limits)
            if story := _story_asked(question):
                outlet = self.outlet_called(limits.outlet, namespace) if limits.outlet else None
                return self._story(question, *story, namespace, as_of, limits.window(), outlet)
            return self._ask_within(question, namespace, k, as_of, limits, t0)
        outlet = outlet_named(question, self.retriever.lexical.outlets(namespace))
        named = name_words(outlet) if outlet else frozenset()  # "what's new from the Gazette?"
        if asks_for_news(question, named) or asks_for_summary(question, named):
            return self._news(question, namespace, as_of, Limits(outlet=outlet) if outlet else None)
        if story := _story_asked(question):
            return self._story(question, *story, namespace, as_of, time_window(story[1], as_of), outlet)
        window = time_window(question, as_of)
        retrieved = self.retriever.search(question, namespace, k=k, as_of=as_of, window=window, source=outlet)
        notice = None
        if (window or outlet) and not retrieved:
            retrieved = self.retriever.search(question, namespace, k=k, as_of=as_of)
            if retrieved:
                other = " and ".join(n for n, on in (("outlets", outlet), ("dates", window)) if on)
                notice = (
                    f"Nothing {_described(outlet, window)} matched; these sources are from other {other}."
                )
        if not retrieved and as_of is not None and self.retriever.lexical.snapshot(namespace).ids:
            return _none_published_by(question, as_of)
        return self._answer(question, namespace, k, as_of, retrieved, notice, t0)

    def _ask_within(
        self, question: str, namespace: str, k: int, as_of: datetime | None, limits: Limits, t0: float
    ) -> Answer:
        outlet = None
        if limits.outlet:
            outlet = self.outlet_called(limits.outlet, namespace)
        article = self.article_called(limits.article, namespace) if limits.article else None
        window = limits.window()
        retrieved = self.retriever.search(
            question,
            namespace,
            k=k,
            as_of=as_of,
            window=window,
            source=outlet,
            article=article.id if article else None,
        )
        if not retrieved:
            described = _described(outlet, window)
            if article is None:
                text = f"No articles {described} are stored here."
            elif described:
                text = f"“{article.title}” is not among the articles {described}."
            else:  # published after the moment of asking
                text = f"“{article.title}” was published after {(as_of or datetime.now(UTC)):%Y-%m-%d}."
            return Answer(question, text, "empty")
        return self._answer(question, namespace, k, as_of, retrieved, None, t0)

    def _news(self, question: str, namespace: str, as_of: datetime | None, limits: Limits | None) -> Answer:
        """ "What's new?": the newest articles (of the period and outlet asked for), each by its
        opening sentence."""
        moment = as_of or datetime.now(UTC)
        outlet = self.outlet_called(limits.outlet, namespace) if limits and limits.outlet else None
        window = limits.window() if limits and (limits.since or limits.until) else None
        window = window or news_window(question, moment)
        min_ts, max_ts = published_bounds(moment, window)
        # a few more than listed: copies of one story from several outlets are listed once
        firsts = self.retriever.lexical.newest(namespace, 4 * DIGEST_SIZE, max_ts, min_ts, outlet)
        if not firsts and not self.retriever.lexical.snapshot(namespace).ids:
            return self.answerer.answer(question, [], as_of=as_of)  # nothing ingested: say how to add
        added = not firsts and window is None  # no dated article: the ones ingested last
        # the store was just checked: the further lists read the same snapshot
        if added:
            firsts = self.retriever.lexical.newest(
                namespace, 4 * DIGEST_SIZE, source=outlet, added=True, fresh=False
            )
        latest = None
        if not firsts and window is not None:  # say when the last story came in
            before = self.retriever.lexical.newest(
                namespace, 1, int(moment.timestamp()), source=outlet, fresh=False
            )
            latest = before[0] if before else None
        answer = digest(question, firsts, window, f"from {outlet}" if outlet else "", added, latest)
        log.info("news namespace=%s listed=%d", namespace, len(answer.citations))
        return answer

    def _story(
        self,
        question: str,
        kind: str,
        subject: str,
        namespace: str,
        as_of: datetime | None,
        window: Window | None,
        outlet: str | None,
    ) -> Answer:
        """A running story asked about as a whole (see :mod:`retrieval.stories`): its
        ``timeline``, or its ``coverage`` by each outlet."""
        retrieved = self.retriever.search(
            subject, namespace, k=3 * TIMELINE_SIZE, as_of=as_of, window=window, source=outlet
        )
        if not retrieved:
            if not self.retriever.lexical.snapshot(namespace).ids:
                return self.answerer.answer(question, [], as_of=as_of)  # nothing ingested: say how to add
            if described := _described(outlet, window):
                return Answer(question, f"No articles {described} are stored here.", "empty")
            return _none_published_by(question, as_of)
        # the search just checked the store: what follows reads the same snapshot
        lexical = self.retriever.lexical
        rarest = lexical.rarest(namespace, subject, fresh=False)
        picks = articles_about(
            subject,
            retrieved,
            lambda aid: next(iter(lexical.passages(namespace, aid, fresh=False)), None),
            rarest,
        )
        listed = timeline if kind == "timeline" else coverage
        answer = listed(question, subject, picks, retrieved)
        log.info("%s namespace=%s listed=%d", kind, namespace, len(answer.citations))
        return answer

    def _summary(self, question: str, namespace: str, key: str, as_of: datetime | None) -> Answer:
        """ "Summarize" about one article: its lede and the sentences after it, or the chat
        model's summary of the article, checked against it, when one is configured."""
        article = self.article_called(key, namespace)
        passages = self.retriever.lexical.passages(namespace, article.id)
        if not passages:  # removed since it was looked up
            raise ArticleNotFound(f"no article {key!r} here")
        extractive = summary(question, passages[0])
        if isinstance(self.answerer, Summarizer):
            return self.answerer.summarize(question, passages, extractive, as_of)
        return extractive

    def article_called(self, key: str, namespace: str) -> ArticleSummary:
        """The namespace's article with this id or URL, else an error naming the key."""
        key = key.strip()
        article = self.retriever.find_article(namespace, key)
        if article is None:
            raise ArticleNotFound(f"no article {key!r} here")
        return article

    def outlet_called(self, name: str, namespace: str) -> str:
        """The namespace's outlet called ``name`` (any case; "cnn" for cnn.com), else an error."""
        outlets = sorted(self.retriever.lexical.outlets(namespace), key=str.casefold)
        wanted = " ".join(name.split()).lower()
        for outlet in outlets:
            if wanted == outlet.lower() or wanted in outlet_names(outlet):  # "cnn" for cnn.com
                return outlet
        known = ", ".join(outlets[:8]) + (", …" if len(outlets) > 8 else "")
        raise InvalidQuestion(f"no articles from {name!r} here" + (f" (outlets: {known})" if outlets else ""))

    def _answer(
        self,
        question: str,
        namespace: str,
        k: int,
        as_of: datetime | None,
        retrieved: list[RetrievedChunk],
        notice: str | None,
        t0: float,
    ) -> Answer:
        t1 = time.perf_counter()
        answer = self.answerer.answer(question, list(retrieved), as_of=as_of)
        t2 = time.perf_counter()
        for note in (notice, years_apart(answer.citations)):
            if note:
                answer = replace(answer, notice=f"{answer.notice} {note}" if answer.notice else note)
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


STALE_DAYS = 365


def years_apart(citations: Sequence[Citation]) -> str | None:
    """A remark when an answer's sources were published a year or more apart.

    News questions are about the latest events, and a sentence from an old story can answer
    better in words than the newest one does ("Macron has appointed Edouard Philippe" in 2017,
    asked in 2024): the reader is told which source is the most recent.
    """
    dated = [(c.published_at, c.n) for c in citations if c.published_at is not None]
    if len(dated) < 2:
        return None
    oldest = min(dated)[0]
    newest, n = max(dated, key=lambda d: (d[0], -d[1]))  # of two that day, the one cited first
    if (newest - oldest).days < STALE_DAYS:
        return None
    return (
        f"These sources were published from {oldest:%Y-%m-%d} to {newest:%Y-%m-%d}; the most recent is [{n}]."
    )


def _described(outlet: str | None, window: Window | None) -> str:
    """``from Harbour Gazette published in March 2024`` (either part may be missing)."""
    parts = [f"from {outlet}"] if outlet else []
    parts += [f"published {window.phrase}"] if window else []
    return " ".join(parts)


def _none_published_by(question: str, as_of: datetime | None) -> Answer:
    """The answer when articles are stored but every one was published after the moment of asking."""
    day = (as_of or datetime.now(UTC)).date().isoformat()
    return Answer(question, f"No article stored here was published by {day}.", "empty")


def _story_asked(question: str) -> tuple[str, str] | None:
    """``("timeline", subject)`` or ``("coverage", subject)`` for a request about a running
    story as a whole, else ``None``."""
    if subject := timeline_subject(question):
        return "timeline", subject
    if subject := coverage_subject(question):
        return "coverage", subject
    return None

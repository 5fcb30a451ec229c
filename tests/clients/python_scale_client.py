#!/usr/bin/env python3
"""The official Python MCP SDK against several mcpserve instances behind a round-robin balancer.

Usage:
    python tests/clients/python_scale_client.py [--timeout SECONDS] [--kill-pids PIDS] URL

URL is the balancer's endpoint in front of `examples/http.rs --redis` instances sharing one
Redis (tests/scale_out.rs and `.ci/run` start them). Every request may reach another
instance, so each check below crosses instances:

* a session-era session: initialize, calls, and `greet_me`, whose elicitation the SDK
  answers in a POST the balancer sends to another instance than the waiting call;
* a second session listening on its standalone stream hears `tools/list_changed` that a
  call of the first session announced (on whichever instances served them);
* `welcome`'s elicitation: the callback reports progress on it (the token the question
  carries) before answering; the handler hears it wherever the POSTs land;
* a stream the server closes mid-call (`count_slowly` with `close_every`, SSE polling):
  the SDK resumes it with `Last-Event-ID`, which the balancer sends to other instances
  (haproxy's `X-Served-By` header shows which); every progress report arrives once, in
  order, then the result;
* the 2026-07-28 era (no session) on the same endpoint;
* with `--kill-pids` (the instances' PIDs, the only ones it may kill): `kill -9` of the
  instance streaming a long call (its progress messages name its PID). The SDK resumes
  through another instance: every stored report exactly once, then the error for the
  lost request; a new call is served.

Prints one line per check, then `python scale client: N passed, M failed`; exits 0 only
when every check passed. Written against the pinned SDK `mcp==2.3.0`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Client-to-server progress is a session-era feature (2026-07-28 dropped it); the
# session-era checks below use it on purpose.
warnings.filterwarnings("ignore", message="Client-to-server progress is deprecated")

import anyio
import httpx2
import mcp.types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from instances import kill_and_wait
from python_stdio_client import CLIENT_INFO, Checks, texts


async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
    meta = context.meta or {}
    token = meta.get("progress_token", meta.get("progressToken"))
    if token is not None:
        # The user reads, then types; each report is a POST of its own, so any instance
        # may get it. The pause stands for the typing: POSTs to different instances are
        # not ordered otherwise (nor does the spec order them).
        await context.session.send_progress_notification(token, 1, total=2, message="reading")
        await context.session.send_progress_notification(token, 2, total=2, message="typing")
        await anyio.sleep(0.5)
    return types.ElicitResult(action="accept", content={"name": "Ada"})


class Served:
    """The backend haproxy picked (`X-Served-By`) for each HTTP request the SDK made."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str | None, str | None, str | None]] = []

    async def hook(self, response: httpx2.Response) -> None:
        request = response.request
        tool = None
        if request.method == "POST":
            try:
                body = json.loads(request.content)
                if body.get("method") == "tools/call":
                    tool = body["params"]["name"]
            except (ValueError, KeyError, AttributeError, TypeError):
                pass
        resumed = request.headers.get("last-event-id")
        self.log.append((request.method, tool, resumed, response.headers.get("x-served-by")))

    def call(self, tool: str) -> str | None:
        """The backend of the last `tools/call` of `tool`."""
        return [backend for method, t, _, backend in self.log if t == tool][-1]

    def resumes(self) -> list[str | None]:
        return [backend for method, _, resumed, backend in self.log if method == "GET" and resumed]


def pid_of(message: str | None) -> int | None:
    m = re.search(r"\(pid (\d+)\)", message or "")
    return int(m.group(1)) if m else None


async def run(url: str, timeout: float, kill_pids: set[int], c: Checks) -> None:
    changed = anyio.Event()
    served = Served()
    http = create_mcp_http_client()
    http.event_hooks["response"] = [served.hook]

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with http, streamable_http_client(url, http_client=http) as (read_a, write_a):
        async with ClientSession(
            read_a, write_a, elicitation_callback=elicit, client_info=CLIENT_INFO, read_timeout_seconds=timeout
        ) as a:
            await a.initialize()

            async def calls() -> None:
                for i in range(6):
                    result = await a.call_tool("add", {"a": i, "b": 1})
                    assert texts(result) == [str(i + 1)], texts(result)

            await c.run("[legacy] 6 calls of one session across the instances", calls)

            async def greet() -> None:
                result = await a.call_tool("greet_me", {})
                assert texts(result) == ["Hello, Ada!"], texts(result)

            await c.run("[legacy] elicitation answered through another instance", greet)

            # b's standalone GET stream must be open before the change is announced (a
            # session with no stream has nowhere to be told): wait for its 200, not a while.
            listening = anyio.Event()

            async def on_response_b(response: httpx2.Response) -> None:
                if response.request.method == "GET" and response.status_code == 200:
                    listening.set()

            http_b = create_mcp_http_client()
            http_b.event_hooks["response"] = [on_response_b]
            async with http_b, streamable_http_client(url, http_client=http_b) as (read_b, write_b):
                async with ClientSession(
                    read_b, write_b, message_handler=on_message, client_info=CLIENT_INFO, read_timeout_seconds=timeout
                ) as b:
                    await b.initialize()
                    await b.list_tools()
                    with anyio.fail_after(timeout):
                        await listening.wait()

                    async def list_changed() -> None:
                        result = await a.call_tool("touch_tools", {})
                        assert texts(result) == ["announced"], texts(result)
                        with anyio.fail_after(10):
                            await changed.wait()

                    await c.run("[legacy] tools/list_changed reaches a client of another instance", list_changed)

            async def client_progress() -> None:
                result = await a.call_tool("welcome", {})
                assert texts(result) == ["Welcome, Ada! (heard: reading, typing)"], texts(result)

            await c.run("[legacy] the client's progress on an elicitation reaches the handler's instance", client_progress)

            async def resumed() -> None:
                seen: list[float] = []

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    seen.append(progress)

                before = len(served.resumes())
                args = {"to": 8, "pace_ms": 100, "close_every": 3}
                result = await a.call_tool("count_slowly", args, progress_callback=on_progress)
                assert texts(result) == ["counted to 8"], texts(result)
                assert seen == [float(i) for i in range(1, 9)], f"progress {seen}"
                resumes = served.resumes()[before:]
                # The first close sends the stream to another instance, which follows the
                # events from Redis: later closes end the original connection, long gone.
                assert len(resumes) >= 1, f"no resumption: {served.log}"
                origin = served.call("count_slowly")
                assert origin is not None and all(r is not None for r in resumes), served.log
                assert any(r != origin for r in resumes), f"resumed only on {origin}: {served.log}"

            await c.run(
                "[legacy] a stream closed mid-call resumes with Last-Event-ID on other instances, nothing lost or twice",
                resumed,
            )

            if kill_pids:

                async def killed() -> None:
                    seen: list[float] = []
                    victim: list[int] = []
                    started = anyio.Event()
                    outcome: dict[str, object] = {}

                    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                        seen.append(progress)
                        if not victim and pid_of(message) is not None:
                            victim.append(pid_of(message))
                        if len(seen) >= 3:
                            started.set()

                    async def call() -> None:
                        try:
                            outcome["result"] = await a.call_tool(
                                "count_slowly", {"to": 1000, "pace_ms": 50}, progress_callback=on_progress
                            )
                        except MCPError as exc:
                            outcome["error"] = exc

                    with anyio.fail_after(timeout):
                        async with anyio.create_task_group() as tg:
                            tg.start_soon(call)
                            await started.wait()
                            assert victim and victim[0] in kill_pids, f"pid {victim} is not an instance's"
                            kill_and_wait(victim[0])
                            print(f"  ..    killed instance pid {victim[0]} mid-stream", flush=True)
                    error = outcome.get("error")
                    assert error is not None, f"no error for the lost request: {outcome}"
                    assert str(error).startswith("The server instance handling this request stopped"), str(error)
                    assert len(seen) >= 3 and seen == [float(i) for i in range(1, len(seen) + 1)], f"progress {seen}"
                    for i in range(3):
                        result = await a.call_tool("add", {"a": i, "b": 10})
                        assert texts(result) == [str(i + 10)], texts(result)

                await c.run(
                    "[legacy] kill -9 of the instance streaming a call: resumed elsewhere, nothing lost or twice, "
                    "the lost request gets its error, the others keep serving",
                    killed,
                )

    async with streamable_http_client(url) as (read_m, write_m):
        async with ClientSession(read_m, write_m, client_info=CLIENT_INFO, read_timeout_seconds=timeout) as m:
            await m.discover()

            async def modern() -> None:
                for i in range(3):
                    result = await m.call_tool("add", {"a": i, "b": 2})
                    assert texts(result) == [str(i + 2)], texts(result)

            await c.run("[modern] sessionless calls across the instances", modern)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--kill-pids", default="", help="comma-separated PIDs of the instances (enables the fault check)")
    parser.add_argument("url")
    args = parser.parse_args()
    kill_pids = {int(p) for p in args.kill_pids.split(",") if p.strip()}
    print(f"python scale client: {args.url}", flush=True)
    checks = Checks()
    try:
        anyio.run(run, args.url, args.timeout, kill_pids, checks)
    except Exception as exc:  # noqa: BLE001
        checks.fail("run", f"{type(exc).__name__}: {exc}")
    print(f"python scale client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main())

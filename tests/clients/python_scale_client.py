#!/usr/bin/env python3
"""The official Python MCP SDK against several mcpserve instances behind a round-robin balancer.

Usage:
    python tests/clients/python_scale_client.py [--timeout SECONDS] URL

URL is the balancer's endpoint in front of `examples/http.rs --redis` instances sharing one
Redis (tests/scale_out.rs and `.ci/run` start them). Every request may reach another
instance, so each check below crosses instances:

* a session-era session: initialize, calls, and `greet_me`, whose elicitation the SDK
  answers in a POST the balancer sends to another instance than the waiting call;
* a second session listening on its standalone stream hears `tools/list_changed` that a
  call of the first session announced (on whichever instances served them);
* the 2026-07-28 era (no session) on the same endpoint.

Prints one line per check, then `python scale client: N passed, M failed`; exits 0 only
when every check passed. Written against the pinned SDK `mcp==2.3.0`.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import anyio
import mcp.types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from python_stdio_client import CLIENT_INFO, Checks, texts


async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def run(url: str, timeout: float, c: Checks) -> None:
    changed = anyio.Event()

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with streamable_http_client(url) as (read_a, write_a):
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

            async with streamable_http_client(url) as (read_b, write_b):
                async with ClientSession(
                    read_b, write_b, message_handler=on_message, client_info=CLIENT_INFO, read_timeout_seconds=timeout
                ) as b:
                    await b.initialize()
                    await b.list_tools()
                    await anyio.sleep(1.0)  # its standalone GET stream is open by now

                    async def list_changed() -> None:
                        result = await a.call_tool("touch_tools", {})
                        assert texts(result) == ["announced"], texts(result)
                        with anyio.fail_after(10):
                            await changed.wait()

                    await c.run("[legacy] tools/list_changed reaches a client of another instance", list_changed)

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
    parser.add_argument("url")
    args = parser.parse_args()
    print(f"python scale client: {args.url}", flush=True)
    checks = Checks()
    try:
        anyio.run(run, args.url, args.timeout, checks)
    except Exception as exc:  # noqa: BLE001
        checks.fail("run", f"{type(exc).__name__}: {exc}")
    print(f"python scale client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Real-client check of an mcpserve Streamable HTTP server, using the official Python MCP SDK.

Usage:
    python tests/clients/python_http_client.py [--era legacy|modern|auto|all]
        [--timeout SECONDS] URL

Connects to the MCP endpoint at URL (e.g. http://127.0.0.1:8080/mcp) once per era,
lists the tools and calls the quickstart tools, checking their results.
Prints one line per check, then `python http client: N passed, M failed`; exits 0
only when every check passed (1 on any failure or timeout, 2 on bad usage).

Eras (SDK `mcp` 2.3.0), see python_stdio_client.py; `all` (the default) runs
legacy, then modern, then auto, each on a fresh connection. In the legacy era the
server must issue an `Mcp-Session-Id`; in the modern era it must not.

Written against the pinned SDK `mcp==2.3.0` (see tests/clients/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import anyio
    import httpx2
    import mcp.types as types
    from mcp import ClientSession
    from mcp.client.streamable_http import StreamableHTTPTransport, streamable_http_client
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    # The stdio client's check helpers are shared; only the transport differs.
    from python_stdio_client import CLIENT_INFO, EXPECTED_TOOLS, Checks, describe, negotiate, texts
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(
        f"python http client: cannot import the MCP SDK ({exc}); install it with "
        "`pip install -r tests/clients/requirements.txt`",
        file=sys.stderr,
    )
    sys.exit(2)


class SessionIdProbe:
    """Records the session ids the SDK transport stores, without changing its behaviour."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._original = StreamableHTTPTransport._maybe_extract_session_id_from_response

    def __enter__(self) -> SessionIdProbe:
        probe = self

        def wrapped(transport: StreamableHTTPTransport, response: httpx2.Response) -> None:
            probe._original(transport, response)
            if transport.session_id and transport.session_id not in probe.seen:
                probe.seen.append(transport.session_id)

        StreamableHTTPTransport._maybe_extract_session_id_from_response = wrapped  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        StreamableHTTPTransport._maybe_extract_session_id_from_response = self._original  # type: ignore[method-assign]


async def exercise(url: str, era: str, request_timeout: float, checks: Checks) -> None:
    with SessionIdProbe() as probe:
        async with streamable_http_client(url) as (read_stream, write_stream):
            async with ClientSession(
                read_stream, write_stream, read_timeout_seconds=request_timeout, client_info=CLIENT_INFO
            ) as session:
                try:
                    await negotiate(session, era, checks)
                except Exception as exc:
                    checks.fail(f"[{era}] connect", f"{type(exc).__name__}: {exc}")
                    return
                await check_tools(session, era, checks)
                modern = session.protocol_version in MODERN_PROTOCOL_VERSIONS
    if era == "legacy":
        checks.expect(
            "[legacy] server issued an Mcp-Session-Id",
            len(probe.seen) == 1 and all(0x21 <= ord(c) <= 0x7E for c in probe.seen[0]),
            f"session ids seen: {probe.seen!r}",
        )
    elif modern:
        checks.expect(f"[{era}] no session in the 2026 era", not probe.seen, f"session ids seen: {probe.seen!r}")


async def check_tools(session: ClientSession, era: str, checks: Checks) -> None:
    tools: dict[str, types.Tool] = {}

    async def list_tools() -> None:
        cursor: str | None = None
        for _ in range(100):  # bounded pagination
            page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
            tools.update({t.name: t for t in page.tools})
            cursor = page.next_cursor
            if cursor is None:
                break
        missing = [name for name in EXPECTED_TOOLS if name not in tools]
        assert not missing, f"missing tools {missing}; server listed {sorted(tools)}"

    async def call_add() -> None:
        result = await session.call_tool("add", {"a": 2, "b": 3})
        assert not result.is_error, f"unexpected error result: {describe(result)}"
        assert texts(result) == ["5"], f"expected text ['5'], got {describe(result)}"

    async def call_echo() -> None:
        result = await session.call_tool("echo", {"text": "héllo, wörld"})
        assert texts(result) == ["héllo, wörld"], f"expected the text back, got {describe(result)}"

    async def call_word_count() -> None:
        result = await session.call_tool("word_count", {"text": "one two three"})
        expected = {"words": 3, "chars": 13, "lines": 1}
        assert result.structured_content == expected, f"expected {expected!r}, got {describe(result)}"

    async def call_divide_by_zero() -> None:
        result = await session.call_tool("divide", {"a": 1, "b": 0})
        assert result.is_error, f"expected isError=true, got {describe(result)}"
        assert "division by zero" in "\n".join(texts(result)), describe(result)

    async def concurrent_calls() -> None:
        results: dict[int, list[str]] = {}

        async def one(i: int) -> None:
            results[i] = texts(await session.call_tool("add", {"a": i, "b": i}))

        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(one, i)
        assert results == {i: [str(2 * i)] for i in range(8)}, f"got {results!r}"

    await checks.run(f"[{era}] tools/list has {', '.join(EXPECTED_TOOLS)}", list_tools)
    await checks.run(f'[{era}] call add {{"a":2,"b":3}} -> "5"', call_add)
    await checks.run(f"[{era}] call echo (non-ASCII text)", call_echo)
    await checks.run(f"[{era}] call word_count -> structuredContent", call_word_count)
    await checks.run(f"[{era}] call divide by zero -> isError", call_divide_by_zero)
    await checks.run(f"[{era}] 8 concurrent calls", concurrent_calls)


async def main_async(args: argparse.Namespace, checks: Checks) -> None:
    eras = ["legacy", "modern", "auto"] if args.era == "all" else [args.era]
    with anyio.move_on_after(args.timeout) as scope:
        for era in eras:
            try:
                await exercise(args.url, era, args.request_timeout, checks)
            except Exception as exc:  # a transport crash fails this era, not the others
                traceback.print_exc()
                checks.fail(f"[{era}] session", f"{type(exc).__name__}: {exc}")
    if scope.cancelled_caught:
        checks.fail("global timeout", f"run did not finish within {args.timeout:g} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Check an MCP Streamable HTTP server with the official Python SDK.")
    parser.add_argument("--era", choices=("legacy", "modern", "auto", "all"), default="all")
    parser.add_argument("--timeout", type=float, default=60.0, help="global timeout in seconds (default: 60)")
    parser.add_argument("--request-timeout", type=float, default=20.0, help="per-request timeout (default: 20)")
    parser.add_argument("url", metavar="URL", help="the MCP endpoint, e.g. http://127.0.0.1:8080/mcp")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    checks = Checks()
    print(f"python http client: {args.url} (era {args.era})", flush=True)
    try:
        anyio.run(main_async, args, checks)
    except Exception as exc:
        traceback.print_exc()
        checks.fail("run", f"{type(exc).__name__}: {exc}")
    if checks.failed:
        print("failed checks:")
        for name, why in checks.failed:
            print(f"  - {name}: {why}")
    print(f"python http client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

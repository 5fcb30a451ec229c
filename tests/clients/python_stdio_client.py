#!/usr/bin/env python3
"""Real-client check of an mcpserve stdio server, using the official Python MCP SDK.

Usage:
    python tests/clients/python_stdio_client.py [--era legacy|modern|auto]
        [--timeout SECONDS] SERVER_BINARY [SERVER_ARGS...]

Spawns SERVER_BINARY over stdio, negotiates a protocol era, lists the tools and
calls them, checking the results the quickstart example is expected to give.
Prints one line per check, then `python client: N passed, M failed`; exits 0
only when every check passed (1 on any failure or timeout, 2 on bad usage).

Eras (SDK `mcp` 2.3.0):
  legacy  `initialize` handshake (newest handshake version, 2025-11-25);
          `ClientSession.initialize()`.
  modern  2026-07-28 era: `server/discover` probe, then every request carries
          the per-request `_meta` envelope; `ClientSession.discover()`.
  auto    what `mcp.Client` does by default: probe `server/discover`, fall
          back to `initialize` for a legacy server.

Written against the pinned SDK `mcp==2.3.0` (see tests/clients/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

try:
    import anyio
    import mcp.types as types
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.shared.exceptions import MCPError
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(
        f"python client: cannot import the MCP SDK ({exc}); install it with "
        "`pip install -r tests/clients/requirements.txt`",
        file=sys.stderr,
    )
    sys.exit(2)

EXPECTED_TOOLS = ("add", "echo", "word_count", "divide")
CLIENT_INFO = types.Implementation(name="mcpserve-python-stdio-client", version="0.1.0")


class Checks:
    """Collects named pass/fail results and prints each as it is recorded."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def ok(self, name: str) -> None:
        self.passed.append(name)
        print(f"  ok    {name}", flush=True)

    def fail(self, name: str, why: str) -> None:
        self.failed.append((name, why))
        print(f"  FAIL  {name}: {why}", flush=True)

    def expect(self, name: str, cond: bool, why: str) -> bool:
        if cond:
            self.ok(name)
        else:
            self.fail(name, why)
        return cond

    async def run(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        """Runs one check whose body asserts; an exception is that check's failure, not the run's."""
        try:
            await body()
        except AssertionError as exc:
            self.fail(name, str(exc) or "assertion failed")
        except MCPError as exc:
            self.fail(name, f"JSON-RPC error {exc.code}: {exc}")
        except Exception as exc:  # noqa: BLE001 - any client-side error fails just this check
            self.fail(name, f"{type(exc).__name__}: {exc}")
        else:
            self.ok(name)


def texts(result: types.CallToolResult) -> list[str]:
    return [block.text for block in result.content if isinstance(block, types.TextContent)]


def describe(result: types.CallToolResult) -> str:
    return (
        f"isError={result.is_error} content={[b.model_dump(by_alias=True) for b in result.content]!r} "
        f"structuredContent={result.structured_content!r}"
    )


async def negotiate(session: ClientSession, era: str, checks: Checks) -> None:
    if era == "legacy":
        await session.initialize()
    elif era == "modern":
        await session.discover()
    else:
        # mode='auto' of mcp.Client: discover, falling back to initialize. The policy lives in
        # a private module of the SDK; it is pinned, so that is acceptable for a test.
        from mcp.client._probe import negotiate_auto

        await negotiate_auto(session)

    version = session.protocol_version
    info = session.server_info
    print(
        f"  connected: era={era} protocolVersion={version} "
        f"server={info.name + ' ' + info.version if info else '(anonymous)'}",
        flush=True,
    )
    if era == "legacy":
        checks.expect(
            "negotiate legacy era",
            version in HANDSHAKE_PROTOCOL_VERSIONS,
            f"protocol version {version!r} is not a handshake-era version",
        )
    elif era == "modern":
        checks.expect(
            "negotiate modern era",
            version in MODERN_PROTOCOL_VERSIONS,
            f"protocol version {version!r} is not a modern-era version",
        )
    else:
        checks.expect("negotiate (auto)", version is not None, "no protocol version negotiated")


async def exercise(server: StdioServerParameters, era: str, request_timeout: float, checks: Checks) -> None:
    async with stdio_client(server) as (read_stream, write_stream):
        async with ClientSession(
            read_stream, write_stream, read_timeout_seconds=request_timeout, client_info=CLIENT_INFO
        ) as session:
            try:
                await negotiate(session, era, checks)
            except Exception as exc:
                checks.fail(f"connect ({era})", f"{type(exc).__name__}: {exc}")
                return

            tools: dict[str, types.Tool] = {}

            async def list_tools() -> None:
                listing: list[types.Tool] = []
                cursor: str | None = None
                for _ in range(100):  # bounded pagination
                    page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                    listing.extend(page.tools)
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                tools.update({t.name: t for t in listing})
                missing = [name for name in EXPECTED_TOOLS if name not in tools]
                assert not missing, f"missing tools {missing}; server listed {sorted(tools)}"

            await checks.run("tools/list has add, echo, word_count, divide", list_tools)

            for name in EXPECTED_TOOLS:
                tool = tools.get(name)
                if tool is None:
                    continue  # already reported by the listing check
                checks.expect(
                    f"tool {name}: non-empty description",
                    bool(tool.description and tool.description.strip()),
                    f"description is {tool.description!r}",
                )
                checks.expect(
                    f"tool {name}: inputSchema type object",
                    isinstance(tool.input_schema, dict) and tool.input_schema.get("type") == "object",
                    f"inputSchema is {tool.input_schema!r}",
                )
            if "word_count" in tools:
                schema = tools["word_count"].output_schema
                checks.expect(
                    "tool word_count: outputSchema present",
                    isinstance(schema, dict) and bool(schema),
                    f"outputSchema is {schema!r}",
                )

            # The SDK's call_tool also validates structuredContent against the listed
            # outputSchema (raising RuntimeError on a mismatch), which counts as a failure here.
            async def call_add() -> None:
                result = await session.call_tool("add", {"a": 2, "b": 3})
                assert not result.is_error, f"unexpected error result: {describe(result)}"
                assert texts(result) == ["5"], f"expected text ['5'], got {describe(result)}"

            async def call_echo() -> None:
                result = await session.call_tool("echo", {"text": "hello"})
                assert not result.is_error, f"unexpected error result: {describe(result)}"
                assert texts(result) == ["hello"], f"expected text ['hello'], got {describe(result)}"

            async def call_word_count() -> None:
                result = await session.call_tool("word_count", {"text": "one two three"})
                assert not result.is_error, f"unexpected error result: {describe(result)}"
                expected = {"words": 3, "chars": 13, "lines": 1}
                assert result.structured_content == expected, (
                    f"expected structuredContent {expected!r}, got {describe(result)}"
                )

            async def call_divide_by_zero() -> None:
                result = await session.call_tool("divide", {"a": 1, "b": 0})
                assert result.is_error, f"expected isError=true, got {describe(result)}"
                joined = "\n".join(texts(result))
                assert "division by zero" in joined, f"expected 'division by zero' in text, got {describe(result)}"

            async def call_add_bad_input() -> None:
                # Input validation failures are tool errors (isError), not JSON-RPC errors.
                result = await session.call_tool("add", {"a": "x", "b": 1})
                assert result.is_error, f"expected isError=true, got {describe(result)}"
                assert texts(result), f"expected an error message in the content, got {describe(result)}"

            await checks.run('call add {"a":2,"b":3} -> "5"', call_add)
            await checks.run('call echo {"text":"hello"} -> "hello"', call_echo)
            await checks.run("call word_count -> structuredContent {words:3, chars:13, lines:1}", call_word_count)
            await checks.run('call divide {"a":1,"b":0} -> isError, "division by zero"', call_divide_by_zero)
            await checks.run('call add {"a":"x","b":1} -> isError (input validation)', call_add_bad_input)


async def main_async(args: argparse.Namespace, checks: Checks) -> None:
    # The SDK hands the server only HOME/LOGNAME/PATH/SHELL/TERM/USER unless `env` is given;
    # a test wants RUST_LOG, RUST_BACKTRACE, coverage variables etc. to reach it too.
    env = None if args.clean_env else dict(os.environ)
    server = StdioServerParameters(command=args.server, args=args.server_args, env=env)
    with anyio.move_on_after(args.timeout) as scope:
        await exercise(server, args.era, args.request_timeout, checks)
    if scope.cancelled_caught:
        checks.fail("global timeout", f"run did not finish within {args.timeout:g} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Check an MCP stdio server with the official Python MCP SDK client.",
    )
    parser.add_argument(
        "--era",
        choices=("legacy", "modern", "auto"),
        default="legacy",
        help="protocol era: legacy = initialize handshake (2025-11-25), "
        "modern = server/discover + per-request _meta (2026-07-28), "
        "auto = discover with fallback to initialize (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="global timeout for the whole run, in seconds (default: 60)"
    )
    parser.add_argument(
        "--request-timeout", type=float, default=20.0, help="timeout for each request, in seconds (default: 20)"
    )
    parser.add_argument(
        "--clean-env",
        action="store_true",
        help="give the server only the SDK's default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER) "
        "instead of this process's whole environment",
    )
    parser.add_argument("server", metavar="SERVER_BINARY", help="path of the server executable to spawn")
    parser.add_argument(
        "server_args", metavar="SERVER_ARGS", nargs=argparse.REMAINDER, help="arguments passed to the server"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    checks = Checks()
    print(f"python client: {args.server} {' '.join(args.server_args)}".rstrip(), flush=True)
    try:
        anyio.run(main_async, args, checks)
    except Exception as exc:  # spawn failure, transport crash, ...
        traceback.print_exc()
        checks.fail("session", f"{type(exc).__name__}: {exc}")
    if checks.failed:
        print("failed checks:")
        for name, why in checks.failed:
            print(f"  - {name}: {why}")
    print(f"python client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

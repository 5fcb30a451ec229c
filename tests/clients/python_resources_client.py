#!/usr/bin/env python3
"""Real-client check of resources, templates, prompts and completions, using the official
Python MCP SDK against the `files` example.

Usage:
    python tests/clients/python_resources_client.py [--era legacy|modern] SERVER_BINARY DIR

SERVER_BINARY is the `files` example; DIR must hold `hello.txt` ("hello world\\n"),
`sub/data.bin` (bytes 00 01 02) and nothing named `missing.txt`. Prints one line per check,
then `python resources client: N passed, M failed`; exits 0 only when every check passed.

Written against the pinned SDK `mcp==2.3.0` (see tests/clients/requirements.txt).
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import traceback
from collections.abc import Awaitable, Callable

try:
    import anyio
    import mcp.types as types
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.shared.exceptions import MCPError
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(f"python resources client: cannot import the MCP SDK ({exc})", file=sys.stderr)
    sys.exit(2)

CLIENT_INFO = types.Implementation(name="mcpserve-python-resources-client", version="0.1.0")


class Checks:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def ok(self, name: str) -> None:
        self.passed.append(name)
        print(f"  ok    {name}", flush=True)

    def fail(self, name: str, why: str) -> None:
        self.failed.append((name, why))
        print(f"  FAIL  {name}: {why}", flush=True)

    async def run(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
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


async def expect_error(call: Awaitable[object], code: int) -> None:
    try:
        result = await call
    except MCPError as exc:
        assert exc.code == code, f"expected error {code}, got {exc.code}: {exc}"
        return
    raise AssertionError(f"expected error {code}, got result {result!r}")


async def exercise(server: StdioServerParameters, era: str, checks: Checks) -> None:
    not_found = -32002 if era == "legacy" else -32602
    async with stdio_client(server) as (read_stream, write_stream):
        async with ClientSession(
            read_stream, write_stream, read_timeout_seconds=20, client_info=CLIENT_INFO
        ) as session:
            if era == "legacy":
                await session.initialize()
            else:
                await session.discover()
            print(f"  connected: era={era} protocolVersion={session.protocol_version}", flush=True)

            async def list_resources() -> None:
                result = await session.list_resources()
                uris = [str(r.uri) for r in result.resources]
                assert uris == ["file:///hello.txt", "file:///sub/data.bin"], f"resources/list gave {uris}"
                hello = result.resources[0]
                assert hello.mime_type == "text/plain" and hello.size == 12, f"hello.txt listed as {hello!r}"

            async def list_templates() -> None:
                result = await session.list_resource_templates()
                templates = [t.uri_template for t in result.resource_templates]
                assert templates == ["file:///{+path}"], f"resources/templates/list gave {templates}"

            async def read_text() -> None:
                result = await session.read_resource("file:///hello.txt")
                [contents] = result.contents
                assert isinstance(contents, types.TextResourceContents), f"expected text, got {contents!r}"
                assert contents.text == "hello world\n", f"text is {contents.text!r}"
                assert contents.mime_type == "text/plain", f"mimeType is {contents.mime_type!r}"

            async def read_blob() -> None:
                result = await session.read_resource("file:///sub/data.bin")
                [contents] = result.contents
                assert isinstance(contents, types.BlobResourceContents), f"expected a blob, got {contents!r}"
                assert base64.b64decode(contents.blob) == b"\x00\x01\x02", f"blob is {contents.blob!r}"

            await checks.run("resources/list lists the files", list_resources)
            await checks.run("resources/templates/list has file:///{+path}", list_templates)
            await checks.run("read file:///hello.txt (templated) -> text", read_text)
            await checks.run("read file:///sub/data.bin -> base64 blob", read_blob)
            await checks.run(
                "read file:///../secret -> -32602 (traversal)",
                lambda: expect_error(session.read_resource("file:///../secret"), -32602),
            )
            await checks.run(
                f"read file:///missing.txt -> {not_found} (not found)",
                lambda: expect_error(session.read_resource("file:///missing.txt"), not_found),
            )

            async def list_prompts() -> None:
                result = await session.list_prompts()
                [prompt] = result.prompts
                assert prompt.name == "summarize", f"prompt is {prompt.name!r}"
                args = [(a.name, a.required) for a in prompt.arguments or []]
                assert args == [("path", True), ("focus", False)], f"arguments are {args}"

            async def get_prompt() -> None:
                result = await session.get_prompt("summarize", {"path": "hello.txt", "focus": "tone"})
                assert len(result.messages) == 2, f"messages: {result.messages!r}"
                first, second = result.messages
                assert isinstance(first.content, types.EmbeddedResource), f"first message is {first!r}"
                resource = first.content.resource
                assert isinstance(resource, types.TextResourceContents) and resource.text == "hello world\n"
                assert isinstance(second.content, types.TextContent)
                assert second.content.text == "Summarize this file, focusing on tone.", second.content.text

            await checks.run("prompts/list has summarize(path, focus?)", list_prompts)
            await checks.run("prompts/get summarize embeds the file", get_prompt)
            await checks.run(
                "prompts/get summarize without path -> -32602",
                lambda: expect_error(session.get_prompt("summarize", {}), -32602),
            )

            async def complete_template() -> None:
                ref = types.ResourceTemplateReference(type="ref/resource", uri="file:///{+path}")
                result = await session.complete(ref, {"name": "path", "value": "su"})
                assert result.completion.values == ["sub/"], f"values are {result.completion.values}"

            async def complete_prompt() -> None:
                ref = types.PromptReference(type="ref/prompt", name="summarize")
                result = await session.complete(ref, {"name": "path", "value": "sub/d"})
                assert result.completion.values == ["sub/data.bin"], f"values are {result.completion.values}"

            await checks.run("complete template variable path 'su' -> ['sub/']", complete_template)
            await checks.run("complete prompt argument path 'sub/d' -> ['sub/data.bin']", complete_prompt)


async def main_async(args: argparse.Namespace, checks: Checks) -> None:
    server = StdioServerParameters(command=args.server, args=[args.dir], env=dict(os.environ))
    with anyio.move_on_after(args.timeout) as scope:
        await exercise(server, args.era, checks)
    if scope.cancelled_caught:
        checks.fail("global timeout", f"run did not finish within {args.timeout:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--era", choices=("legacy", "modern"), default="legacy")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("server", metavar="SERVER_BINARY")
    parser.add_argument("dir", metavar="DIR")
    args = parser.parse_args()
    checks = Checks()
    print(f"python resources client ({args.era}): {args.server} {args.dir}", flush=True)
    try:
        anyio.run(main_async, args, checks)
    except Exception as exc:  # spawn failure, transport crash, ...
        traceback.print_exc()
        checks.fail("session", f"{type(exc).__name__}: {exc}")
    print(f"python resources client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

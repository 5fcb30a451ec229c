#!/usr/bin/env python3
"""Real-client check of servers re-served by the mcpserve proxy (examples/proxy.rs),
using the official Python MCP SDK's high-level `mcp.Client`.

Usage:
    python tests/clients/python_proxy_client.py --upstream everything|conformance
        [--era legacy|modern|all] [--timeout SECONDS] URL

URL is the proxy's endpoint (`http://127.0.0.1:PORT/mcp`). `--upstream` says what the
proxy fronts, and so which tools to expect:

  everything   the official @modelcontextprotocol/server-everything over stdio
               (a session-era server): echo, get-sum, progress of a long-running
               operation, sampling and elicitation requests relayed to this client,
               resources, templates, prompts and completions.
  conformance  examples/conformance.rs over HTTP (both eras): content tools, progress,
               log messages, sampling, elicitation, multi-round input requests,
               resources, templates and prompts.

Each era (`all`: legacy, then modern) runs on a fresh connection: `legacy` is the
initialize handshake, `modern` the 2026-07-28 era (`mode="2026-07-28"`; input requests
come back as input_required rounds that `mcp.Client` answers with the same callbacks).
Prints one line per check, then `python proxy client: N passed, M failed`; exits 0 only
when every check passed.

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
    import mcp.types as types
    from mcp import Client

    from python_stdio_client import Checks, describe, texts
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(f"python proxy client: cannot import the MCP SDK ({exc})", file=sys.stderr)
    sys.exit(2)

CLIENT_INFO = types.Implementation(name="mcpserve-python-proxy-client", version="0.1.0")


class Callbacks:
    """What a user and a model would answer, recording what was asked."""

    def __init__(self) -> None:
        self.sampled: list[str] = []
        self.elicited: list[str] = []
        self.logs: list[str] = []

    async def sampling(self, context, params):  # noqa: ANN001 - SDK protocol
        prompt = "".join(
            getattr(m.content, "text", "") for m in params.messages if getattr(m, "content", None) is not None
        )
        self.sampled.append(prompt)
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text="sampled by the python client"),
            model="test-model",
            stop_reason="endTurn",
        )

    async def elicitation(self, context, params):  # noqa: ANN001 - SDK protocol
        self.elicited.append(params.message)
        schema = getattr(params, "requested_schema", None) or {}
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        content = {}
        for key, prop in props.items():
            kind = prop.get("type")
            if "default" in prop:
                content[key] = prop["default"]
            elif "enum" in prop:
                content[key] = prop["enum"][0]
            elif kind == "boolean":
                content[key] = True
            elif kind in ("integer", "number"):
                content[key] = prop.get("minimum", 1)
            elif prop.get("format") == "email":
                content[key] = "ada@example.com"
            elif prop.get("format") == "uri":
                content[key] = "https://example.com"
            elif prop.get("format") == "date":
                content[key] = "1815-12-10"
            else:
                content[key] = "Ada"
        return types.ElicitResult(action="accept", content=content)

    async def logging(self, params) -> None:  # noqa: ANN001 - SDK protocol
        self.logs.append(str(params.data))


def client(url: str, era: str, cb: Callbacks, timeout: float) -> Client:
    return Client(
        url,
        mode="legacy" if era == "legacy" else "2026-07-28",
        read_timeout_seconds=timeout,
        client_info=CLIENT_INFO,
        sampling_callback=cb.sampling,
        elicitation_callback=cb.elicitation,
        logging_callback=cb.logging,
        log_level="debug",
    )


async def everything(url: str, era: str, timeout: float, checks: Checks) -> None:
    cb = Callbacks()
    async with client(url, era, cb, timeout) as c:
        names: list[str] = []

        async def list_tools() -> None:
            names.extend(t.name for t in (await c.list_tools()).tools)
            for tool in ("echo", "get-sum", "trigger-long-running-operation", "trigger-sampling-request"):
                assert tool in names, f"{tool} missing from {names}"

        async def echo() -> None:
            r = await c.call_tool("echo", {"message": "héllo, wörld"})
            assert texts(r) == ["Echo: héllo, wörld"], describe(r)

        async def get_sum() -> None:
            r = await c.call_tool("get-sum", {"a": 2, "b": 3})
            assert texts(r) == ["The sum of 2 and 3 is 5."], describe(r)

        async def progress() -> None:
            seen: list[float] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                seen.append(progress)

            r = await c.call_tool(
                "trigger-long-running-operation", {"duration": 1, "steps": 3}, progress_callback=on_progress
            )
            assert any("completed" in t for t in texts(r)), describe(r)
            assert len(seen) >= 2 and seen == sorted(seen), f"progress seen: {seen}"

        async def sampling() -> None:
            r = await c.call_tool("trigger-sampling-request", {"prompt": "Say hi", "maxTokens": 10})
            assert any("sampled by the python client" in t for t in texts(r)), describe(r)
            assert cb.sampled and "Say hi" in cb.sampled[-1], cb.sampled

        async def elicitation() -> None:
            if "trigger-elicitation-request" not in names:
                raise AssertionError(f"trigger-elicitation-request missing from {names}")
            r = await c.call_tool("trigger-elicitation-request", {})
            assert not r.is_error, describe(r)
            assert cb.elicited, "no elicitation reached the client"

        async def resources() -> None:
            listed = (await c.list_resources()).resources
            assert listed, "no resources"
            first = await c.read_resource(listed[0].uri)
            assert first.contents and first.contents[0].uri == listed[0].uri, first
            templates = (await c.list_resource_templates()).resource_templates
            assert any("{resourceId}" in t.uri_template for t in templates), templates
            dynamic = await c.read_resource("demo://resource/dynamic/text/1")
            assert dynamic.contents, dynamic

        async def prompts() -> None:
            listed = [p.name for p in (await c.list_prompts()).prompts]
            assert "simple-prompt" in listed and "args-prompt" in listed, listed
            simple = await c.get_prompt("simple-prompt")
            assert simple.messages, simple
            args = await c.get_prompt("args-prompt", {"city": "Lisbon"})
            assert "Lisbon" in str(args.messages[0].content), args

        async def completion() -> None:
            done = await c.complete(
                types.PromptReference(type="ref/prompt", name="completable-prompt"),
                {"name": "department", "value": "E"},
            )
            assert "Engineering" in done.completion.values, done

        await checks.run(f"[{era}] tools/list through the proxy", list_tools)
        await checks.run(f"[{era}] call echo", echo)
        await checks.run(f"[{era}] call get-sum", get_sum)
        await checks.run(f"[{era}] long-running operation reports progress", progress)
        await checks.run(f"[{era}] sampling request relayed to the client", sampling)
        await checks.run(f"[{era}] elicitation request relayed to the client", elicitation)
        await checks.run(f"[{era}] resources and templates", resources)
        await checks.run(f"[{era}] prompts", prompts)
        await checks.run(f"[{era}] completion", completion)


async def conformance(url: str, era: str, timeout: float, checks: Checks) -> None:
    cb = Callbacks()
    async with client(url, era, cb, timeout) as c:

        async def simple_text() -> None:
            r = await c.call_tool("test_simple_text")
            assert texts(r) == ["This is a simple text response for testing."], describe(r)

        async def image() -> None:
            r = await c.call_tool("test_image_content", {})
            assert isinstance(r.content[0], types.ImageContent), describe(r)
            assert r.content[0].mime_type == "image/png", describe(r)

        async def error() -> None:
            r = await c.call_tool("test_error_handling", {})
            assert r.is_error and texts(r) == ["This tool intentionally returns an error for testing"], describe(r)

        async def progress() -> None:
            seen: list[float] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                seen.append(progress)

            await c.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
            assert seen == [0, 50, 100], f"progress seen: {seen}"

        async def logging() -> None:
            before = len(cb.logs)
            if era == "legacy":
                await c.set_logging_level("debug")
            r = await c.call_tool("test_tool_with_logging", {})
            assert texts(r) == ["Tool with logging executed successfully"], describe(r)
            await anyio.sleep(0.2)
            got = cb.logs[before:]
            assert got == ["Tool execution started", "Tool processing data", "Tool execution completed"], got

        async def sampling() -> None:
            r = await c.call_tool("test_sampling", {"prompt": "Test prompt for sampling"})
            assert texts(r) == ["LLM response: sampled by the python client"], describe(r)

        async def elicitation() -> None:
            r = await c.call_tool("test_elicitation", {"message": "Please provide your information"})
            assert texts(r) and texts(r)[0].startswith("User response: action=accept"), describe(r)

        async def multi_round() -> None:
            r = await c.call_tool("test_input_required_result_multi_round", {})
            assert texts(r) == ["Ada likes Ada"], describe(r)

        async def resources() -> None:
            text = await c.read_resource("test://static-text")
            assert text.contents[0].text == "This is the content of the static text resource.", text
            templated = await c.read_resource("test://template/123/data")
            assert "123" in templated.contents[0].text, templated

        async def prompts() -> None:
            p = await c.get_prompt("test_prompt_with_arguments", {"arg1": "one", "arg2": "two"})
            assert "arg1='one'" in str(p.messages[0].content), p

        await checks.run(f"[{era}] test_simple_text", simple_text)
        await checks.run(f"[{era}] test_image_content", image)
        await checks.run(f"[{era}] test_error_handling", error)
        await checks.run(f"[{era}] progress relayed", progress)
        await checks.run(f"[{era}] log messages relayed", logging)
        await checks.run(f"[{era}] sampling relayed", sampling)
        await checks.run(f"[{era}] elicitation relayed", elicitation)
        await checks.run(f"[{era}] two input rounds", multi_round)
        await checks.run(f"[{era}] resources and templates", resources)
        await checks.run(f"[{era}] prompt with arguments", prompts)


async def main_async(args: argparse.Namespace, checks: Checks) -> None:
    eras = ["legacy", "modern"] if args.era == "all" else [args.era]
    run = everything if args.upstream == "everything" else conformance
    with anyio.move_on_after(args.timeout) as scope:
        for era in eras:
            try:
                await run(args.url, era, args.request_timeout, checks)
            except Exception as exc:  # a crash fails this era, not the others
                traceback.print_exc()
                checks.fail(f"[{era}] session", f"{type(exc).__name__}: {exc}")
    if scope.cancelled_caught:
        checks.fail("global timeout", f"run did not finish within {args.timeout:g} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check servers behind the mcpserve proxy with the Python SDK.")
    parser.add_argument("--upstream", choices=("everything", "conformance"), required=True)
    parser.add_argument("--era", choices=("legacy", "modern", "all"), default="all")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("url", metavar="URL")
    args = parser.parse_args(argv)
    checks = Checks()
    print(f"python proxy client: {args.url} ({args.upstream}, era {args.era})", flush=True)
    try:
        anyio.run(main_async, args, checks)
    except Exception as exc:
        traceback.print_exc()
        checks.fail("run", f"{type(exc).__name__}: {exc}")
    if checks.failed:
        print("failed checks:")
        for name, why in checks.failed:
            print(f"  - {name}: {why}")
    print(f"python proxy client: {len(checks.passed)} passed, {len(checks.failed)} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())

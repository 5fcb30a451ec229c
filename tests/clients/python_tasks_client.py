#!/usr/bin/env python3
"""Real-client check of mcpserve's session-era (2025-11-25) tasks, using the official
Python MCP SDK 1.x experimental tasks client (`session.experimental.*`).

Usage:
    python tests/clients/python_tasks_client.py [--timeout SECONDS] URL

Connects to the Streamable HTTP endpoint at URL (the conformance fixture,
examples/conformance.rs) and drives its task tools: `slow_compute` (optional),
`failing_job` (required), `protocol_error_job` (a crash), `confirm_delete` (asks for
confirmation while it runs) and the sync `greet`.
Prints one line per check, then `python tasks client: N passed, M failed`; exits 0 only
when every check passed (1 on any failure or timeout, 2 on bad usage).

Written against the pinned SDK `mcp==1.30.0` (tests/clients/requirements-mcp1.txt); the
2.x SDK dropped this client.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings

# This client is the SDK's own "deprecated experimental" API; that is what it tests.
warnings.filterwarnings("ignore", message="The experimental tasks API is deprecated")

try:
    import anyio
    import mcp.types as types
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.exceptions import McpError
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(
        f"python tasks client: cannot import the MCP SDK 1.x ({exc}); install it with "
        "`pip install -r tests/clients/requirements-mcp1.txt`",
        file=sys.stderr,
    )
    sys.exit(2)


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: object = "") -> None:
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")


def text_of(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
    ELICITED.append(params)
    return types.ElicitResult(action="accept", content={"confirm": True})


ELICITED: list[types.ElicitRequestParams] = []


async def wait_for(session: ClientSession, task_id: str, statuses: set[str]) -> types.GetTaskResult:
    while True:
        status = await session.experimental.get_task(task_id)
        if status.status in statuses:
            return status
        await anyio.sleep(0.05)


async def run(url: str, c: Checks) -> None:
    async with streamable_http_client(url) as (read, write, _):
        async with ClientSession(read, write, elicitation_callback=elicit) as session:
            init = await session.initialize()
            tasks_cap = init.capabilities.tasks
            c.check(
                "capabilities.tasks (list, cancel, requests.tools.call)",
                tasks_cap is not None
                and tasks_cap.list is not None
                and tasks_cap.cancel is not None
                and tasks_cap.requests is not None
                and tasks_cap.requests.tools is not None
                and tasks_cap.requests.tools.call is not None,
                tasks_cap,
            )
            tools = {t.name: t for t in (await session.list_tools()).tools}
            support = {
                name: (tools[name].execution.taskSupport if tools[name].execution else None)
                for name in ("slow_compute", "failing_job", "greet")
            }
            c.check(
                "tools/list execution.taskSupport",
                support == {"slow_compute": "optional", "failing_job": "required", "greet": None},
                support,
            )

            # Lifecycle: create, get, poll, result, list.
            created = await session.experimental.call_tool_as_task(
                "slow_compute", {"seconds": 0.3, "label": "py"}, ttl=120000
            )
            task_id = created.task.taskId
            c.check(
                "call_tool_as_task -> CreateTaskResult (working, ttl granted)",
                created.task.status == "working" and created.task.ttl == 120000,
                created,
            )
            got = await session.experimental.get_task(task_id)
            c.check("get_task right after creation", got.taskId == task_id, got)
            statuses = [s.status async for s in session.experimental.poll_task(task_id)]
            c.check("poll_task ends completed", statuses[-1] == "completed", statuses)
            result = await session.experimental.get_task_result(task_id, types.CallToolResult)
            c.check(
                "get_task_result -> the tool's result",
                text_of(result) == "Computed py in 0.3s" and not result.isError,
                result,
            )
            listed = await session.experimental.list_tasks()
            c.check(
                "list_tasks includes the task",
                any(t.taskId == task_id for t in listed.tasks),
                [t.taskId for t in listed.tasks],
            )

            # Cancel while running.
            long = await session.experimental.call_tool_as_task(
                "slow_compute", {"seconds": 30, "label": "cancel-me"}
            )
            cancelled = await session.experimental.cancel_task(long.task.taskId)
            c.check("cancel_task -> cancelled", cancelled.status == "cancelled", cancelled)
            again = await session.experimental.get_task(long.task.taskId)
            c.check("stays cancelled", again.status == "cancelled", again)
            try:
                await session.experimental.cancel_task(long.task.taskId)
                c.check("cancelling a finished task is refused", False, "no error")
            except McpError as e:
                c.check("cancelling a finished task is refused (-32602)", e.error.code == -32602, e.error)

            # A tool error: the task fails; its result is the isError result.
            failing = await session.experimental.call_tool_as_task("failing_job", {})
            final = await wait_for(session, failing.task.taskId, {"completed", "failed", "cancelled"})
            c.check("tool error -> status failed", final.status == "failed", final)
            failed_result = await session.experimental.get_task_result(
                failing.task.taskId, types.CallToolResult
            )
            c.check(
                "tool error -> get_task_result isError",
                failed_result.isError and "The job failed" in text_of(failed_result),
                failed_result,
            )

            # A crash: the task fails with a JSON-RPC error.
            crash = await session.experimental.call_tool_as_task("protocol_error_job", {})
            try:
                await session.experimental.get_task_result(crash.task.taskId, types.CallToolResult)
                c.check("crash -> get_task_result error", False, "no error")
            except McpError as e:
                c.check("crash -> get_task_result error -32603", e.error.code == -32603, e.error)

            # Input while running: input_required, then the question on tasks/result.
            confirm = await session.experimental.call_tool_as_task(
                "confirm_delete", {"filename": "notes.txt"}
            )
            waiting = await wait_for(
                session, confirm.task.taskId, {"input_required", "completed", "failed"}
            )
            c.check("asks -> input_required", waiting.status == "input_required", waiting)
            confirmed = await session.experimental.get_task_result(
                confirm.task.taskId, types.CallToolResult
            )
            c.check(
                "elicitation answered through tasks/result",
                text_of(confirmed) == "Deleted notes.txt" and len(ELICITED) == 1,
                (confirmed, ELICITED),
            )
            related = (ELICITED[0].meta.model_extra or {}) if ELICITED and ELICITED[0].meta else {}
            c.check(
                "the elicitation names its task",
                related.get("io.modelcontextprotocol/related-task", {}).get("taskId")
                == confirm.task.taskId,
                related,
            )

            # Task rules.
            try:
                await session.call_tool("failing_job", {})
                c.check("required tool without a task is refused", False, "no error")
            except McpError as e:
                c.check("required tool without a task is refused (-32601)", e.error.code == -32601, e.error)
            plain = await session.call_tool("greet", {"name": "py"})
            c.check("plain call of a sync tool", text_of(plain) == "Hello, py!", plain)
            plain_optional = await session.call_tool("slow_compute", {"seconds": 0, "label": "now"})
            c.check(
                "optional tool without a task runs as a plain call",
                text_of(plain_optional) == "Computed now in 0s",
                plain_optional,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("url")
    args = parser.parse_args()
    c = Checks()

    async def guarded() -> None:
        with anyio.fail_after(args.timeout):
            await run(args.url, c)

    try:
        anyio.run(guarded)
    except Exception:  # noqa: BLE001 - report any failure as a failed check
        c.check("the client ran to the end", False, traceback.format_exc())
    print(f"python tasks client: {c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 and c.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

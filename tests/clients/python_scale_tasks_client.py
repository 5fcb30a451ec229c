#!/usr/bin/env python3
"""Session-era tasks across mcpserve instances behind a round-robin balancer, driven by the
official Python MCP SDK 1.x experimental tasks client (`session.experimental.*`).

Usage:
    python tests/clients/python_scale_tasks_client.py [--timeout SECONDS] [--kill-pids PIDS] URL

URL is the balancer's endpoint (examples/haproxy.cfg) in front of three
`examples/http.rs --redis` instances sharing one Redis (tests/scale_out.rs and `.ci/run`
start them). haproxy's `X-Served-By` header shows which instance answered each request.

* a task created on one instance is read (`tasks/get`) on the three, and its result
  fetched through the balancer;
* `welcome` as a task: its question reaches the client on a `tasks/result` stream served
  by another instance than the one running the task; the client reports progress on it
  and answers, each in POSTs any instance may get; the task completes with what the
  handler heard;
* with `--kill-pids` (the instances' PIDs, the only ones it may kill): `kill -9` of the
  instance running a task (its `statusMessage` names its PID): the task ends `failed`
  once the instance's lease lapses, the same on every instance, and calls keep working.

Prints one line per check, then `python scale tasks client: N passed, M failed`; exits 0
only when every check passed. Written against the pinned SDK `mcp==1.30.0`
(tests/clients/requirements-mcp1.txt): the 2.x SDK has no tasks client.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
import warnings

# This client is the SDK's own "deprecated experimental" API; that is what it drives.
warnings.filterwarnings("ignore", message="The experimental tasks API is deprecated")

try:
    import anyio
    import httpx
    import mcp.types as types
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared.exceptions import McpError
except ImportError as exc:  # pragma: no cover - environment problem, not a test failure
    print(f"python scale tasks client: cannot import the MCP SDK 1.x ({exc})", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from instances import kill_and_wait  # noqa: E402 - after the SDK check, next to this script


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    async def run(self, name: str, body) -> None:
        try:
            await body()
        except Exception as exc:  # noqa: BLE001 - any client-side error fails just this check
            self.failed += 1
            print(f"  FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
            traceback.print_exc()
        else:
            self.passed += 1
            print(f"  ok    {name}", flush=True)


def text_of(result: types.CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def elicit(context, params: types.ElicitRequestParams) -> types.ElicitResult:
    token = context.meta.progressToken if context.meta else None
    if token is not None:
        await context.session.send_progress_notification(token, 1, total=1, message="thinking")
        # POSTs to different instances are not ordered: the pause stands for the user.
        await anyio.sleep(0.5)
    return types.ElicitResult(action="accept", content={"name": "Lin"})


class Served:
    """The backend haproxy picked (`X-Served-By`) for each request, by JSON-RPC method."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str | None]] = []

    async def hook(self, response: httpx.Response) -> None:
        method = "GET"
        if response.request.method == "POST":
            m = re.search(rb'"method"\s*:\s*"([^"]+)"', response.request.content or b"")
            method = m.group(1).decode() if m else "response"
        self.log.append((method, response.headers.get("x-served-by")))

    def of(self, method: str) -> list[str | None]:
        return [backend for m, backend in self.log if m == method]

    def last(self) -> str | None:
        return self.log[-1][1]


def pid_of(message: str | None) -> int | None:
    m = re.search(r"\(pid (\d+)\)", message or "")
    return int(m.group(1)) if m else None


async def wait_for(session: ClientSession, task_id: str, done, timeout: float) -> types.GetTaskResult:
    with anyio.fail_after(timeout):
        while True:
            status = await session.experimental.get_task(task_id)
            if done(status):
                return status
            await anyio.sleep(0.1)


async def run(url: str, timeout: float, kill_pids: set[int], c: Checks) -> None:
    served = Served()
    http = create_mcp_http_client()
    http.event_hooks["response"] = [served.hook]
    cycle: list[str | None] = []
    async with http, streamable_http_client(url, http_client=http) as (read, write, _):
        async with ClientSession(read, write, elicitation_callback=elicit) as session:
            await session.initialize()

            async def read_everywhere() -> None:
                created = await session.experimental.call_tool_as_task("count_slowly", {"to": 6, "pace_ms": 200})
                task_id = created.task.taskId
                before = len(served.of("tasks/get"))
                for _ in range(3):
                    got = await session.experimental.get_task(task_id)
                    assert got.status == "working", got
                backends = served.of("tasks/get")[before:]
                assert len(set(backends)) == 3 and None not in backends, f"tasks/get served by {backends}"
                # Round-robin: the balancer's order, for the next check to aim with.
                cycle[:] = backends
                result = await session.experimental.get_task_result(task_id, types.CallToolResult)
                assert text_of(result) == "counted to 6", result
                done = await session.experimental.get_task(task_id)
                assert done.status == "completed", done

            await c.run("[tasks] a task created on one instance is read on all three", read_everywhere)

            async def question_elsewhere() -> None:
                created = await session.experimental.call_tool_as_task("welcome", {})
                task_id = created.task.taskId
                origin = served.of("tools/call")[-1]
                await wait_for(session, task_id, lambda s: s.status == "input_required", timeout)
                # The balancer sends the next request to the successor of the last one's
                # backend: poll once more if that is where the task runs.
                assert len(cycle) == 3, "the previous check learns the balancer's order"
                if cycle[(cycle.index(served.last()) + 1) % 3] == origin:
                    await session.experimental.get_task(task_id)
                result = await session.experimental.get_task_result(task_id, types.CallToolResult)
                assert text_of(result) == "Welcome, Lin! (heard: thinking)", result
                stream = served.of("tasks/result")[-1]
                assert stream is not None and stream != origin, f"task on {origin}, tasks/result on {stream}"
                done = await session.experimental.get_task(task_id)
                assert done.status == "completed", done

            await c.run(
                "[tasks] a task's question goes out on tasks/result of another instance; progress and answer return",
                question_elsewhere,
            )

            if kill_pids:

                async def killed() -> None:
                    created = await session.experimental.call_tool_as_task(
                        "count_slowly", {"to": 1000, "pace_ms": 50}
                    )
                    task_id = created.task.taskId
                    running = await wait_for(session, task_id, lambda s: pid_of(s.statusMessage) is not None, timeout)
                    pid = pid_of(running.statusMessage)
                    assert pid in kill_pids, f"pid {pid} is not an instance's"
                    kill_and_wait(pid)
                    print(f"  ..    killed instance pid {pid} mid-task", flush=True)
                    failed = await wait_for(session, task_id, lambda s: s.status != "working", timeout)
                    assert failed.status == "failed", failed
                    assert failed.statusMessage == "The server instance running this task stopped", failed
                    for _ in range(2):
                        again = await session.experimental.get_task(task_id)
                        assert again.status == "failed", again
                    try:
                        await session.experimental.get_task_result(task_id, types.CallToolResult)
                    except McpError as exc:
                        assert str(exc) == "The server instance running this task stopped", str(exc)
                    else:
                        raise AssertionError("tasks/result of a failed task did not fail")
                    for i in range(3):
                        result = await session.call_tool("add", {"a": i, "b": 20})
                        assert text_of(result) == str(i + 20), result

                await c.run(
                    "[tasks] kill -9 of the instance running a task: failed everywhere, the others keep serving",
                    killed,
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--kill-pids", default="", help="comma-separated PIDs of the instances (enables the fault check)")
    parser.add_argument("url")
    args = parser.parse_args()
    kill_pids = {int(p) for p in args.kill_pids.split(",") if p.strip()}
    print(f"python scale tasks client: {args.url}", flush=True)
    checks = Checks()
    try:
        anyio.run(run, args.url, args.timeout, kill_pids, checks)
    except Exception as exc:  # noqa: BLE001
        checks.failed += 1
        print(f"  FAIL  run: {type(exc).__name__}: {exc}", flush=True)
        traceback.print_exc()
    print(f"python scale tasks client: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if not checks.failed else 1


if __name__ == "__main__":
    sys.exit(main())

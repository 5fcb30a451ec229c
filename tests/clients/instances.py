"""Killing a cluster instance the way the scale-out scripts need it (no SDK imports)."""

from __future__ import annotations

import os
import signal
import time


def kill_and_wait(pid: int, limit: float = 10.0, settle: float = 0.5) -> None:
    """`kill -9` an instance and block until it is gone (exited or a zombie).

    Blocking on purpose: `os.kill` returns while the process is still being torn down and
    its listening socket may still accept a connection. A request the balancer sends
    there in that window dies with the instance, which is the lost-request case the
    scripts check separately; holding the event loop until the sockets are closed keeps
    the SDK from sending anything before the balancer can only see a refused connection
    (and redispatch). After the death it holds on for `settle` seconds more: haproxy then
    closes the client keep-alive connections whose last request the dead instance
    served, and a request sent on one at that instant is dropped unanswered (the usual
    keep-alive race; httpx does not retry a POST); once closed, the client's pool sees
    it and opens a new connection.
    """
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                # The state follows the parenthesised command name.
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.005)
    else:
        raise AssertionError(f"instance pid {pid} still alive {limit} s after kill -9")
    time.sleep(settle)

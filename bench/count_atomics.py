#!/usr/bin/env python3
"""Atomic read-modify-writes per request, counted from two callgrind runs.

    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=small.out \
        target/release/srv-mcpserve stdio < 2k-calls.jsonl > /dev/null
    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=large.out \
        target/release/srv-mcpserve stdio < 12k-calls.jsonl > /dev/null
    bench/count_atomics.py small.out large.out 10000

callgrind gives each instruction's execution count; `objdump -d` of every object that ran
names the `lock`-prefixed and memory `xchg` instructions. The difference between the two
runs divided by the difference in calls is the count per call, without start-up and
shutdown. Prints the total and the addresses that execute at least once per two calls
(`addr2line -f -C -e BINARY ADDR` names their functions).
"""
import collections
import re
import subprocess
import sys


def locked_addresses(path):
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True
    ).stdout
    found = set()
    for line in listing.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if not m:
            continue
        ins = m.group(2)
        if ins.startswith("lock ") or re.match(r"xchg\s+.*\(", ins):
            found.add(int(m.group(1), 16))
    return found


def executions(path):
    """(object, address) -> executions, from a callgrind file written with --dump-instr."""
    names, counts = {}, collections.Counter()
    obj, addr, after_calls = None, 0, False
    for line in open(path):
        if line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.strip())
            if m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("ob="):
                obj = names[m.group(1)]
            continue
        if line.startswith("calls="):
            after_calls = True  # the next cost line is the call's inclusive cost
            continue
        m = re.match(r"^(0x[0-9a-f]+|[+-]\d+|\*)\s", line)
        if not m:
            continue
        pos = m.group(1)
        if pos.startswith("0x"):
            addr = int(pos, 16)
        elif pos != "*":
            addr += int(pos)
        if after_calls:
            after_calls = False
            continue
        parts = line.split()
        if len(parts) >= 3:
            counts[(obj, addr)] += int(parts[2])
    return counts


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    small, large, calls = executions(sys.argv[1]), executions(sys.argv[2]), int(sys.argv[3])
    locked = {}
    total, sites = 0, collections.Counter()
    for (obj, addr), n in large.items():
        if obj not in locked:
            locked[obj] = locked_addresses(obj) if obj and obj.startswith("/") else set()
        if addr in locked[obj]:
            d = n - small.get((obj, addr), 0)
            total += d
            sites[(obj, hex(addr))] += d
    print(f"atomic read-modify-writes per call: {total / calls:.1f}")
    for (obj, addr), n in sites.most_common():
        if n / calls >= 0.5:
            print(f"{n / calls:6.2f}  {obj}  {addr}")


if __name__ == "__main__":
    main()

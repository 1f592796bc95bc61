#!/usr/bin/env python3
"""Summarizes ThreadSanitizer report files (TSAN_OPTIONS log_path) for scripts/sanitize.sh.

Prints each distinct set of reported access locations once with its count, and exits 1 when some report has an
access in the project's sources that is not inside a `withLock` closure. On Linux, TSan cannot see the futex-based
synchronization of Swift's `Synchronization.Mutex` (its library is not instrumented), so it reports accesses made
under the same `Mutex.withLock` from two threads as races; those are listed as "under a Mutex" and do not fail the
run. Any other report does.
"""
import collections
import os
import re
import sys

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources")


def under_with_lock(location):
    """Whether file:line[:column] of the project's sources lies inside a `withLock {` closure still open there."""
    parts = location.split(":")
    path, line = parts[0], int(parts[1])
    try:
        lines = open(os.path.join(SOURCES, path)).read().split("\n")[:line]
    except OSError:
        return False
    if len(parts) > 2 and lines:
        # Mutex.withLock is inlined: the lock's own accesses are reported at the call, `….withLock {`.
        call = lines[-1].find("withLock")
        if call >= 0 and int(parts[2]) <= call + len("withLock") + 1:
            return True
        lines[-1] = lines[-1][: int(parts[2])]
    depth = 0
    for text in reversed(lines):
        depth += text.count("}") - text.count("{")
        if depth < 0:
            if "withLock" in text:
                return True
            depth = 0
    return False


def reports(paths):
    """Each report as [kind, set of access locations], once every report is read."""
    found = []
    for path in paths:
        lines = open(path, errors="replace").read().split("\n")
        current = None
        for index, line in enumerate(lines):
            if "WARNING: ThreadSanitizer" in line:
                current = [line.split("ThreadSanitizer: ")[1].split(" (pid")[0], set(), True]
                found.append(current)
            elif current is not None and re.search(r"^\s+(Previous )?(atomic )?(read|write|modifying access)", line, re.I):
                # The access, and the project frames just above it: a method of a value kept in a Mutex is called
                # from the withLock closure one or two frames up.
                frames = []
                for following in lines[index + 1 : index + 5]:
                    match = re.search(r"#\d+ \S+ \S+?/Sources/(\S+\.swift:\d+(?::\d+)?)", following)
                    if match and ".build" not in following.split(" (")[0]:
                        frames.append(match.group(1))
                current[1].add(frames[0] if frames else "(outside the project)")
                current[2] = current[2] and any(under_with_lock(frame) for frame in frames)
    return found


def main():
    counts = collections.Counter()
    for kind, locations, mutex in reports(sys.argv[1:]):
        counts[(kind, tuple(sorted(locations)), mutex)] += 1
    unexplained = 0
    for (kind, locations, mutex), count in counts.most_common():
        unexplained += 0 if mutex else count
        verdict = "under a Mutex" if mutex else "TO CHECK"
        print(f"    {count:4d} {kind}: {' | '.join(locations)} [{verdict}]")
    print(f"    {sum(counts.values())} reports, {unexplained} not explained by Mutex")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

"""Running commands for the benchmarks: wall time, peak memory, medians, the machine.

Peak RSS comes from os.wait4's rusage of the child itself, so it needs neither
psutil nor /usr/bin/time. Timings on a shared machine are noisy: kb and its
baseline are run alternately so that both see the same load, and the ratio of
the two is what the tables trust.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPEAT_BELOW = 10.0  # seconds: shorter tasks are run several times and the median kept


class CommandFailed(Exception):
    """A measured command exited with an unexpected code."""


@dataclass(frozen=True)
class Run:
    """One finished process."""

    seconds: float
    max_rss: int  # bytes
    returncode: int
    stdout: str
    stderr: str
    cpu: float = 0.0  # user + system seconds of the process and the helpers it waited for


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    ok: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
) -> Run:
    """Run `cmd` to completion; its wall time and peak RSS. Raise CommandFailed on a bad exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        result = Run(
            seconds,
            usage.ru_maxrss * 1024,  # Linux reports kilobytes
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_utime + usage.ru_stime,
        )
    if result.returncode not in ok:
        shown = " ".join(str(c) for c in cmd)
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise CommandFailed(f"{shown} exited {result.returncode}: " + " | ".join(tail))
    return result


@dataclass
class Measure:
    """Several runs of one task."""

    seconds: list[float] = field(default_factory=list)
    max_rss: int = 0
    cpu: list[float] = field(default_factory=list)  # CPU seconds of the Runs

    def add(self, result: Run | float) -> None:
        """Record one run (a Run, or seconds measured in-process)."""
        if isinstance(result, Run):
            self.seconds.append(result.seconds)
            self.cpu.append(result.cpu)
            self.max_rss = max(self.max_rss, result.max_rss)
        else:
            self.seconds.append(result)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds (0 when only in-process times were recorded)."""
        return statistics.median(self.cpu) if self.cpu else 0.0

    @property
    def runs(self) -> int:
        """How many runs were measured."""
        return len(self.seconds)


def paired(
    first: Callable[[], Run | float],
    second: Callable[[], Run | float],
    *,
    max_runs: int,
    budget: float,
    repeat_below: float = REPEAT_BELOW,
) -> tuple[Measure, Measure]:
    """Alternate two tasks; repeat while they are short and the time budget lasts."""
    m = rounds(
        {"first": first, "second": second},
        max_runs=max_runs,
        budget=budget,
        repeat_below=repeat_below,
    )
    return m["first"], m["second"]


def rounds(
    tasks: dict[str, Callable[[], Run | float]],
    *,
    max_runs: int,
    budget: float,
    repeat_below: float = REPEAT_BELOW,
) -> dict[str, Measure]:
    """Run every task once per round, in order; repeat rounds as `paired` repeats pairs."""
    measures = {name: Measure() for name in tasks}
    spent, done = 0.0, 0
    while True:
        start = time.perf_counter()
        for name, task in tasks.items():
            measures[name].add(task())
        spent += time.perf_counter() - start
        done += 1
        slow = max(m.seconds[-1] for m in measures.values()) >= repeat_below
        if slow or done >= max_runs or spent + spent / done > budget:
            return measures


def repeated(
    task: Callable[[], Run | float],
    *,
    max_runs: int,
    budget: float,
    repeat_below: float = REPEAT_BELOW,
) -> Measure:
    """Repeat one task while it is short and the time budget lasts."""
    m = Measure()
    spent = 0.0
    while True:
        start = time.perf_counter()
        m.add(task())
        spent += time.perf_counter() - start
        slow = m.seconds[-1] >= repeat_below
        if slow or m.runs >= max_runs or spent + spent / m.runs > budget:
            return m


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, Python and load: what a reader needs to weigh the figures."""
    memory = "?"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "load": load,
        "executable": sys.executable,
    }

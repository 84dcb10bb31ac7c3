"""Where the CPU went: gunicorn, our PostgreSQL backends, Redis, the client and everything else."""

from __future__ import annotations

import os
import time

from bench.common import CLK_TCK, NCPU, log

# --- CPU accounting -------------------------------------------------------------------------


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, user+system jiffies) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data.rpartition(")")[2].split()
    return int(rest[1]), int(rest[11]) + int(rest[12])


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def snapshot(gunicorn_pid: int, db_name: str) -> dict[str, dict[int, int]]:
    """CPU jiffies per process of: gunicorn (master + workers), the PostgreSQL backends serving
    our database (their process title names it), and Redis."""
    out: dict[str, dict[int, int]] = {"gunicorn": {}, "postgres": {}, "redis": {}}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = proc_stat(pid)
        if st is None:
            continue
        if pid == gunicorn_pid or st[0] == gunicorn_pid:
            out["gunicorn"][pid] = st[1]
            continue
        cmd = cmdline(pid)
        if cmd.startswith("postgres: ") and f" {db_name} " in cmd:
            out["postgres"][pid] = st[1]
        elif cmd.startswith("redis-server"):
            out["redis"][pid] = st[1]
    return out


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    return sum(j - before.get(pid, 0) for pid, j in after.items()) / CLK_TCK


def background_load(seconds: float = 1.0) -> float:
    """Cores busy over the next few seconds (call while our own processes are idle)."""
    b0, t0 = machine_jiffies()
    time.sleep(seconds)
    b1, t1 = machine_jiffies()
    return (b1 - b0) / max(1, t1 - t0) * NCPU


class QuietWaiter:
    """Before each target, wait (within one overall budget) until the machine is idle."""

    def __init__(self, budget: float, threshold: float):
        self.left, self.threshold = budget, threshold

    def __call__(self) -> float:
        said = False
        while True:
            started = time.perf_counter()
            load = background_load(0.5)
            self.left -= time.perf_counter() - started
            if load <= self.threshold or self.left <= 0:
                return load
            if not said:
                log(
                    f"  machine busy ({load:.2f} cores without us): waiting for it to go idle "
                    f"(at most {self.left:.0f} s more in this run)"
                )
                said = True

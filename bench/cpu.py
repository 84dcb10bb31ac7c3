"""Where the CPU went: gunicorn, our PostgreSQL backends, Redis, the client and everything else."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

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


def snapshot(
    gunicorn_pid: int, db_name: str, extra_pids: tuple[int, ...] = ()
) -> dict[str, dict[int, int]]:
    """CPU jiffies per process of: gunicorn (master + workers, and ``extra_pids``: the task
    worker that refreshes the public side), the PostgreSQL backends serving our database
    (their process title names it), and Redis; "workers" repeats the gunicorn workers alone."""
    out: dict[str, dict[int, int]] = {"gunicorn": {}, "postgres": {}, "redis": {}, "workers": {}}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = proc_stat(pid)
        if st is None:
            continue
        if pid == gunicorn_pid or st[0] == gunicorn_pid or pid in extra_pids:
            out["gunicorn"][pid] = st[1]
            if st[0] == gunicorn_pid:
                out["workers"][pid] = st[1]
            continue
        cmd = cmdline(pid)
        if cmd.startswith("postgres: ") and f" {db_name} " in cmd:
            out["postgres"][pid] = st[1]
        elif cmd.startswith("redis-server"):
            out["redis"][pid] = st[1]
    return out


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's children."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st is not None and st[0] == master:
                pids.append(int(entry))
    return sorted(pids)


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB: resident now, and the most it ever was."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def _established_inodes(port: int) -> set[int]:
    """Socket inodes of the server side of established TCP connections to our port.
    Inode 0 means the kernel completed the handshake but no worker has accepted it yet."""
    inodes: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(int(fields[9]))
        except (OSError, StopIteration):
            continue
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    out: set[int] = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(int(link[8:-1]))
    return out


class ConnectionSampler(threading.Thread):
    """Every ``interval`` s, which worker holds each client connection (what ``ss -tnp``
    shows, read from /proc/net/tcp and /proc/<pid>/fd). ``counts[pid]`` sums the samples;
    ``counts[0]`` counts connections no worker has accepted yet (waiting in the backlog)."""

    def __init__(self, master: int, port: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.master, self.port, self.interval = master, port, interval
        self.counts: Counter = Counter()
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        workers = worker_pids(self.master)
        while not self._stop_event.wait(self.interval):
            established = _established_inodes(self.port)
            self.samples += 1
            if not established:
                continue
            held = set()
            for pid in workers:
                mine = established & _socket_inodes(pid)
                self.counts[pid] += len(mine)
                held |= mine
            self.counts[0] += len(established - held)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


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

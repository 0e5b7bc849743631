"""How busy the machine is with work other than the benchmark (Linux only).

On a small shared machine another process can take cores away from a worker
mid-measurement. These helpers let the driver wait for a quiet machine before
each worker and report, afterwards, how many cores other processes (and the
hypervisor, through steal time) used while it ran. Elsewhere they return
None and never wait.
"""

import os
import resource
import time


def machine_busy_seconds():
    """CPU seconds spent busy by all cores since boot, steal time included; None if unknown."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    ticks = [int(value) for value in fields[1:9]]
    busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    """CPU seconds used by this process's finished children (the workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def other_cores(seconds=2.0):
    """Average cores busy over the next `seconds`, with no worker running; None if unknown."""
    start = machine_busy_seconds()
    if start is None:
        return None
    time.sleep(seconds)
    return (machine_busy_seconds() - start) / seconds


def wait_for_idle(max_wait, threshold=0.25):
    """Wait up to `max_wait` seconds until other processes use under `threshold` cores.

    Returns the seconds waited. It only helps at the start of a worker;
    `LoadMeter` reports whatever interference happened during it.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < max_wait:
        load = other_cores()
        if load is None or load < threshold:
            break
        time.sleep(3)
    return time.perf_counter() - start


class LoadMeter:
    """Cores used by everything except our workers between `start()` and `stop()`."""

    def start(self):
        self._busy, self._ours, self._wall = machine_busy_seconds(), children_cpu_seconds(), time.perf_counter()

    def stop(self):
        busy = machine_busy_seconds()
        if busy is None or self._busy is None:
            return None
        others = (busy - self._busy) - (children_cpu_seconds() - self._ours)
        # Tick granularity can make a quiet machine read slightly negative.
        return max(0.0, others / (time.perf_counter() - self._wall))

"""Wall time and peak memory of one command, the same way for every benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil


def measure(cmd: list[str], *, env: dict | None = None, cwd=None, stdout=None, stderr=None,
            timeout: float | None = None) -> dict:
    """Run a command in its own process group and wait: returncode, wall (seconds), peak_mib
    (the largest sum of resident sets over it and its children, sampled every 20 ms: worker
    processes count), timed_out (killed, with its whole group, past `timeout` seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr,
                            start_new_session=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    timed_out = False
    while proc.poll() is None:
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [ps, *ps.children(recursive=True)]))
        except psutil.Error:  # a child ended between listing and reading
            pass
        if timeout and time.perf_counter() - t0 > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            timed_out = True
            break
        time.sleep(0.02)
    return {"returncode": proc.returncode, "wall": time.perf_counter() - t0,
            "peak_mib": peak / 2**20, "timed_out": timed_out}

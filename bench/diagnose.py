#!/usr/bin/env python3
"""Where the intake's time and bytes go, on the realistic traffic of `make bench` (issue 15's
profiles). Each command starts the release build behind nginx (bench/run.py's Stack, the shipped
layout unless BENCH_WORKERS says otherwise), sends the corpus with 16 connections (CONNECTIONS),
and prints one small table:

  diagnose.py threads   CPU of each thread of webhook-fcgi and of the machine during the load
  diagnose.py io        bytes and calls of reads and writes per delivery (/proc/PID/io), per process
  diagnose.py wal       the frames of the live WAL by table or index (SQLite's dbstat), per delivery
  diagnose.py perf      where the whole machine's CPU goes (perf record -a -g): by program, then the
                        top functions; the raw profile stays in var/bench/diagnose-perf/perf.data

--intake-only stops the event runner's process during the load (SIGSTOP), to see the intake alone;
--actions configures make bench's three action files (issue 16).
For the functions behind a figure, `perf record -g -p PID` on a worker during such a load.
"""
import collections
import os
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the bench's stack, corpus and wrk wrapper)

CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
HZ = os.sysconf("SC_CLK_TCK")


def deliveries(stack):
    return int(subprocess.run(["sqlite3", "-cmd", ".timeout 5000", stack.database, "SELECT count(*) FROM deliveries"],
                              capture_output=True, text=True, check=True).stdout)


def thread_times(pids):
    times = {}
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                times[(pid, int(tid))] = (int(fields[11]), int(fields[12]))  # utime, stime
            except OSError:
                pass
    return times


def machine_times():
    with open("/proc/stat") as stat:
        return [int(value) for value in stat.readline().split()[1:]]


def io_counters(pid):
    with open(f"/proc/{pid}/io") as file:
        return {key: int(value) for key, value in (line.split(": ") for line in file.read().splitlines())}


def threads(stack, seconds):
    pids = [stack.program.pid] + stack.worker_pids()
    before, machine_before, start = thread_times(pids), machine_times(), time.time()
    time.sleep(seconds)
    after, machine_after, elapsed = thread_times(pids), machine_times(), time.time() - start
    background = stack.worker_pids()[-1]
    rows = []
    for key, (user, system) in after.items():
        old_user, old_system = before.get(key, (0, 0))
        rows.append(((user + system - old_user - old_system) / HZ / elapsed, (user - old_user) / HZ / elapsed, key))
    rows.sort(reverse=True)
    total = sum(row[0] for row in rows)
    for share, user, (pid, tid) in rows[:8]:
        print(f"  pid {pid}{' (event runner)' if pid == background else ''} tid {tid}: {share:.0%} of a core ({user:.0%} user)")
    print(f"  all threads: {total:.0%} of a core")
    delta = [(new - old) / HZ / elapsed for old, new in zip(machine_before, machine_after)]
    print(f"  machine: user {delta[0]:.0%} system {delta[2]:.0%} idle {delta[3]:.0%} iowait {delta[4]:.0%} "
          f"softirq {delta[6]:.0%} (of {os.cpu_count()} cores)")
    return total * elapsed


def io(stack, seconds):
    pids = stack.worker_pids()
    before = {pid: io_counters(pid) for pid in pids}
    count_before = deliveries(stack)
    time.sleep(seconds)
    after = {pid: io_counters(pid) for pid in pids}
    count = deliveries(stack) - count_before
    background = pids[-1]
    for pid in pids:
        delta = {key: after[pid][key] - before[pid][key] for key in after[pid]}
        print(f"  pid {pid}{' (event runner)' if pid == background else ''}: per delivery stored (by any process): wrote {delta['wchar'] / count:,.0f} B "
              f"in {delta['syscw'] / count:.1f} calls, read {delta['rchar'] / count:,.0f} B in {delta['syscr'] / count:.1f} calls")
    return count


def wal(stack, seconds):
    """Freezes the processes, copies the WAL, and counts its frames by the b-tree their page belongs to."""
    time.sleep(seconds)
    pids = [stack.program.pid] + stack.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    with open(stack.database + "-wal", "rb") as file:
        data = file.read()
    page_size = struct.unpack(">I", data[8:12])[0]
    # Frames of the current WAL generation only: after a restart, frames past the new end keep the
    # old salts; the header's salts tell them apart.
    salts, frames, commits, offset = data[16:24], [], 0, 32
    while offset + 24 + page_size <= len(data) and data[offset + 8:offset + 16] == salts:
        page, commit = struct.unpack(">II", data[offset:offset + 8])
        frames.append(page)
        commits += commit != 0
        offset += 24 + page_size
    output = subprocess.run(["sqlite3", "-readonly", stack.database, "SELECT pageno, name FROM dbstat"],
                            capture_output=True, text=True).stdout
    for pid in pids:
        os.kill(pid, signal.SIGCONT)
    names = {int(line.split("|", 1)[0]): line.split("|", 1)[1] for line in output.splitlines() if "|" in line}
    by_name = collections.Counter(names.get(page, "(new page)") for page in frames)
    print(f"  {len(frames)} frames of {page_size} bytes in the live WAL, {commits} commits")
    for name, count in by_name.most_common(12):
        print(f"  {name}: {count} frames ({count / max(1, len(frames)):.0%})")


def perf(stack, seconds):
    data = os.path.join(stack.dir, "perf.data")
    subprocess.run(["perf", "record", "-a", "-g", "-o", data, "--", "sleep", str(seconds)],
                   capture_output=True, check=True)
    for sort in ("comm", "comm,dso", "comm,sym"):
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio", "-g", "none",
                                 "--percent-limit", "0.7"], capture_output=True, text=True).stdout
        print(f"  -- by {sort}")
        for line in report.splitlines():
            if line.strip() and not line.startswith("#"):
                print("  " + line.strip()[:150])


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "threads"
    intake_only = "--intake-only" in sys.argv
    os.makedirs(bench.RUN, exist_ok=True)
    stack = bench.Stack(f"diagnose-{command}", extra_env=bench.actions_configuration() if "--actions" in sys.argv else {})
    background = stack.worker_pids()[-1]
    if intake_only:
        os.kill(background, signal.SIGSTOP)
    load = bench.start_traffic(stack.port, CONNECTIONS, 10, os.path.join(stack.dir, "acknowledged"))
    time.sleep(2)  # past the start
    print(f"{command}: {bench.WORKERS} worker process(es), {CONNECTIONS} connections"
          + (", event runner stopped" if intake_only else "") + (", three actions" if "--actions" in sys.argv else ""))
    if command == "threads":
        core_seconds = threads(stack, 6)
    elif command == "io":
        io(stack, 6)
    elif command == "wal":
        wal(stack, 4)
    elif command == "perf":
        perf(stack, 5)
    figures = bench.wrk_figures(load)
    print(f"  rate over the whole load: {figures['rate']:,.0f} deliveries/s, p50 {figures['p50_us'] / 1000:.1f} ms")
    if command == "threads":
        print(f"  webhook-fcgi CPU per delivery: {core_seconds / 6 / max(1, figures['rate']) * 1e6:,.0f} us")
    if intake_only:
        os.kill(background, signal.SIGCONT)
    stack.stop()


if __name__ == "__main__":
    main()

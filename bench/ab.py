#!/usr/bin/env python3
"""One load of make bench's realistic traffic on one build, for A/B comparisons while developing
(issue 15's before/after figures): run it alternately on two builds, several times, since this
machine's figures move by 10-25% between runs.

  python3 bench/ab.py NAME [--bin DIR] [--env KEY=VALUE]... [--connections N] [--seconds S]
                           [--stop-runner] [--actions] [--database PATH --offset BYTES]

--bin: another build's binaries (e.g. a `git worktree` of the previous commit, built with
`swift build -c release --product webhook-fcgi`); --env: extra environment for webhook-fcgi;
--stop-runner: SIGSTOP the event runner during the load (the intake alone); --actions: make
bench's three action files (issue 16's "three actions configured"); --database and
--offset: a database that already holds rows (make bench's var/bench/growth.db) and where in the
corpus to start (a byte offset past the deliveries it holds). Prints one line: rate, p50/p99,
webhook-fcgi's CPU per delivery, and the machine's idle and iowait.
"""
import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402
import diagnose  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--bin", default=None)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--stop-runner", action="store_true")
    parser.add_argument("--actions", action="store_true")
    parser.add_argument("--database", default=None)
    parser.add_argument("--offset", type=int, default=0)
    options = parser.parse_args()
    if options.bin:
        bench.BIN = options.bin
    os.makedirs(bench.RUN, exist_ok=True)
    extra_env = dict(item.split("=", 1) for item in options.env)
    if options.actions:
        extra_env.update(bench.actions_configuration())
    stack = bench.Stack("ab-" + options.name, extra_env=extra_env, database=options.database)
    runner = stack.worker_pids()[-1]
    if options.stop_runner:
        os.kill(runner, signal.SIGSTOP)
    pids = [stack.program.pid] + stack.worker_pids()
    load = bench.start_traffic(stack.port, options.connections, options.seconds, os.path.join(stack.dir, "acknowledged"),
                               offset=options.offset)
    time.sleep(2)  # past the start
    before, machine_before, start = diagnose.thread_times(pids), diagnose.machine_times(), time.time()
    time.sleep(options.seconds - 4)
    after, machine_after, elapsed = diagnose.thread_times(pids), diagnose.machine_times(), time.time() - start
    cpu = sum(user + system - sum(before.get(key, (0, 0))) for key, (user, system) in after.items()) / diagnose.HZ
    machine = [(new - old) / diagnose.HZ / elapsed for old, new in zip(machine_before, machine_after)]
    figures = bench.wrk_figures(load)
    if options.stop_runner:
        os.kill(runner, signal.SIGCONT)
    stack.stop()
    print(f"{options.name}: {figures['rate']:,.0f}/s p50 {figures['p50_us'] / 1000:.1f} ms p99 {figures.get('p99_us', 0) / 1000:.1f} ms; "
          f"worker CPU {cpu / elapsed / max(1, figures['rate']) * 1e6:,.0f} us/delivery; "
          f"idle {machine[3]:.0%} iowait {machine[4]:.0%} (of {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

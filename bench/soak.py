#!/usr/bin/env python3
"""make soak: the intake for 30 minutes (SOAK_SECONDS) at 80% of the maximum rate measured in the
same run, through nginx, with unique signed deliveries (bench/traffic.lua, one body under new ids, with think time). Every
10 s it samples each worker's RSS and open file descriptors; at the end they must be within 10% of
their values after the first minute, no request may have failed and no acknowledged delivery may be
missing. Writes bench/results/soak-<date>.md and exits non-zero on any failure."""
import datetime, os, sys, time, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the bench's stack, wrk wrapper and payload)

SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))
BASELINE_AFTER = min(60, SECONDS // 3)


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def sample(stack):
    pids = sorted(stack.worker_pids())
    return {"pids": pids, "rss": [round(mb, 1) for mb in stack.worker_rss_mb()], "fds": [fd_count(pid) for pid in pids]}


def main():
    stack = bench.Stack("soak")
    bench.log("soak: measuring the maximum rate (16 connections, 8 s)")
    maximum = bench.wrk(stack, 16, 8, bench.PUSH, "soak-max-" + uuid.uuid4().hex[:6])["rate"]
    target = 0.8 * maximum
    delay = 0
    for candidate in range(1, 60):
        rate = bench.wrk(stack, 16, 3, bench.PUSH, f"soak-cal{candidate}-" + uuid.uuid4().hex[:6], delay_ms=candidate)["rate"]
        if rate <= target:
            delay = candidate
            break
    bench.log(f"soak: maximum {maximum:,.0f}/s; {SECONDS} s at about {target:,.0f}/s (16 connections, {delay} ms think time)")

    run_id = "soak-" + uuid.uuid4().hex[:8]
    ack_prefix = os.path.join(stack.dir, "soak-acknowledged")
    load = bench.start_wrk(stack, 16, SECONDS, bench.PUSH, run_id, delay_ms=delay, ack_file=ack_prefix)
    started = time.time()
    samples, baseline = [], None
    while load.poll() is None:
        time.sleep(10)
        now = sample(stack)
        now["t"] = round(time.time() - started)
        samples.append(now)
        if baseline is None and now["t"] >= BASELINE_AFTER:
            baseline = now
            bench.log(f"soak: baseline at {now['t']} s: RSS {now['rss']} MB, fds {now['fds']}")
    figures = bench.wrk_figures(load)
    final = sample(stack)
    stack.stop()

    acknowledged = bench.acknowledged_ids(stack.dir, ack_prefix)
    stored = stack.stored_ids(run_id)
    lost = len(acknowledged - set(stored))
    duplicates = len(stored) - len(set(stored))

    problems = []
    if final["pids"] != baseline["pids"]:
        problems.append(f"workers changed: {baseline['pids']} -> {final['pids']}")
    for index, (rss0, rss1) in enumerate(zip(baseline["rss"], final["rss"])):
        if rss1 > rss0 * 1.10:
            problems.append(f"worker {index} RSS grew {rss0:.1f} -> {rss1:.1f} MB (> 10%)")
    for index, (fd0, fd1) in enumerate(zip(baseline["fds"], final["fds"])):
        if fd1 > fd0 * 1.10:
            problems.append(f"worker {index} open fds grew {fd0} -> {fd1} (> 10%)")
    if figures["other"] or figures["errors"]:
        problems.append(f"{int(figures['other'])} non-200 answers, {int(figures['errors'])} socket errors")
    if lost or duplicates:
        problems.append(f"{lost} lost, {duplicates} duplicates")

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M")
    report = [f"# make soak, {stamp} UTC", "",
              f"{SECONDS} s at {figures['acknowledged'] / figures['seconds']:,.0f} deliveries/s "
              f"(80% of the {maximum:,.0f}/s measured first; 16 connections, {delay} ms think time), FULL sync.", "",
              "| figure | after the first minute | at the end |", "|---|---|---|",
              f"| worker RSS (MB) | {baseline['rss']} | {final['rss']} |",
              f"| worker open fds | {baseline['fds']} | {final['fds']} |", "",
              f"acknowledged {len(acknowledged):,}, stored {len(stored):,}, lost {lost}, duplicates {duplicates}, "
              f"non-200 {int(figures['other'])}, socket errors {int(figures['errors'])}; "
              f"p50 {figures['p50_us'] / 1000:.1f} ms, p99 {figures['p99_us'] / 1000:.1f} ms", "",
              "Samples (s: RSS MB / fds): " + "; ".join(f"{s['t']}: {s['rss']} / {s['fds']}" for s in samples[:: max(1, len(samples) // 12)]),
              "", "Verdict: " + ("pass" if not problems else "FAIL: " + "; ".join(problems)), ""]
    os.makedirs(os.path.join(bench.REPO, "bench", "results"), exist_ok=True)
    path = os.path.join(bench.REPO, "bench", "results", f"soak-{stamp}.md")
    with open(path, "w") as file:
        file.write("\n".join(report))
    print("\n".join(report))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

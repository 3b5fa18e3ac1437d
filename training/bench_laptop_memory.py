"""Peak memory and time of one geolocator command, sampled, stage by stage: does it fit an 8 GB laptop?

Runs the command given after `--` as a child process (stderr is a pipe, so the CLI writes one plain
line when each stage ends and one every 30 s), samples the resident memory (RSS) of the child and
everything it started every --every seconds with psutil, and prints:

- the peak RSS of the whole run, its wall time and the CPU seconds of the process tree;
- the peak RSS reached while each stage ran (a stage runs from the line before it to its own line:
  the progress lines say which stage ended, so the attribution is as fine as those lines);
- whether the peak stays under --budget-gb (default 4.5: what a laptop with 8 GB and a browser open
  can give).

  python training/bench_laptop_memory.py [--label NAME] [--out FILE.md] -- geolocator locate VIDEO --tiles T ...

The figures depend on the machine's load (wall time) but not memory; record the load beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def _tree_cpu(proc: psutil.Process, seen: dict) -> None:
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            seen[p.pid] = t.user + t.system + t.children_user + t.children_system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


def run(cmd: list[str], every: float = 0.2, env: dict | None = None) -> dict:
    """Run `cmd`; returns peak (bytes), wall and CPU seconds, the samples [(t, rss)], the stderr lines
    [(t, line)] and the return code."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             errors="replace")
    proc = psutil.Process(child.pid)
    lines: list[tuple[float, str]] = []
    out: list[str] = []

    def read_err():
        for line in child.stderr:
            lines.append((time.perf_counter() - started, line.rstrip("\n")))

    def read_out():
        out.extend(child.stdout)

    threads = [threading.Thread(target=read_err, daemon=True), threading.Thread(target=read_out, daemon=True)]
    for t in threads:
        t.start()
    samples: list[tuple[float, int]] = []
    cpu: dict[int, float] = {}
    while child.poll() is None:
        samples.append((time.perf_counter() - started, _tree_rss(proc)))
        _tree_cpu(proc, cpu)
        time.sleep(every)
    for t in threads:
        t.join(timeout=5)
    wall = time.perf_counter() - started
    return dict(peak=max((r for _, r in samples), default=0), wall=wall, cpu=sum(cpu.values()), samples=samples,
                lines=lines, rc=child.returncode, stdout="".join(out))


def _stage(line: str) -> str:
    """The stage a progress line is about: its text before the first digit ("features: tiles: ")."""
    head = line.strip()
    for i, ch in enumerate(head):
        if ch.isdigit():
            return head[:i]
    return head


def by_stage(samples, lines) -> list[tuple[str, float, float, int]]:
    """(stage line, start s, end s, peak RSS bytes in that span) for each stderr line; consecutive
    lines of one stage (the 30 s progress lines) are one span, named by its last line."""
    spans, t0 = [], 0.0
    for t, line in lines:
        peak = max((r for s, r in samples if t0 <= s <= t), default=0)
        if spans and _stage(spans[-1][0]) == _stage(line) and _stage(line):
            spans[-1] = (line.strip()[:110], spans[-1][1], t, max(spans[-1][3], peak))
        else:
            spans.append((line.strip()[:110], t0, t, peak))
        t0 = t
    end = samples[-1][0] if samples else t0
    spans.append(("(to the end)", t0, end, max((r for s, r in samples if s >= t0), default=0)))
    return spans


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    k = argv.index("--") if "--" in argv else len(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 usage="%(prog)s [--label L] [--out F] [--budget-gb 4.5] -- COMMAND ...")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", type=Path, help="append the figures to this file (markdown)")
    ap.add_argument("--budget-gb", type=float, default=4.5)
    ap.add_argument("--every", type=float, default=0.2, help="sampling period, seconds")
    args = ap.parse_args(argv[:k])
    cmd = argv[k + 1:]
    if not cmd:
        ap.error("give the command to measure after --")
    load = os.getloadavg()[0]
    r = run(cmd, args.every)
    gb = 1024 ** 3
    report = [f"### {args.label or ' '.join(cmd)[:80]}", "",
              f"command: `{' '.join(cmd)}`", "",
              f"peak RSS **{r['peak'] / gb:.2f} GiB** ({'within' if r['peak'] <= args.budget_gb * gb else 'ABOVE'} "
              f"{args.budget_gb:g} GiB), wall {r['wall']:.0f} s, CPU {r['cpu']:.0f} s, load at start {load:.1f}, "
              f"exit {r['rc']}", "", "| until stderr line | from s | to s | peak RSS GiB in span |", "|---|---|---|---|"]
    for line, a, b, peak in by_stage(r["samples"], r["lines"]):
        if b - a >= 1.0 or peak >= 0.5 * r["peak"]:
            report.append(f"| {line.replace('|', '/')} | {a:.0f} | {b:.0f} | {peak / gb:.2f} |")
    text = "\n".join(report) + "\n"
    print(text)
    if r["rc"] != 0:
        print("stderr tail:\n" + "\n".join(line for _, line in r["lines"][-15:]))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return r["rc"]


if __name__ == "__main__":
    raise SystemExit(main())

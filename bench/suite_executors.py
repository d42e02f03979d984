#!/usr/bin/env python3
"""The local executor against the inline one: the wall time of a whole small suite, as a ratio.

A suite of sine MAML runs (suite-sine.conf: ls and pcgrad x seeds) is run with
`meta4j suite --executor inline` (one run after another in one process) and with
`--executor local` (suite.local.workers processes at a time, threads split between them), in
fresh folders, alternating the two round by round so that the machine's drift falls on both.
The time is the whole command's, start-up included: each local worker pays for its own JVM and
engine, which is what the executor costs. The tables of the two must be the same, and are checked.

    bench/run suite-executors [--rounds N] [--steps S] [--seeds K] [--workers W] [--quick]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import META4J, machine, median, spread


def run_suite(config, out, executor, workers):
    cmd = [META4J, "suite", "--config", config, "--executor", executor, "experiment.output-dir=" + out,
           "suite.local.workers=" + str(workers)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{executor} suite failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    with open(os.path.join(out, "bench", "results.md")) as f:
        return seconds, f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="alternating inline/local rounds (default 3)")
    ap.add_argument("--steps", type=int, default=1000, help="meta-steps per run (default 1000)")
    ap.add_argument("--seeds", type=int, default=2, help="seeds per method: runs = 2 x seeds (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    ap.add_argument("--quick", action="store_true", help="one round of 300-step runs")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.steps = 1, 300
    work = tempfile.mkdtemp(prefix="meta4j-bench-suite-")
    try:
        config = os.path.join(work, "suite.conf")
        seeds = ", ".join(str(s) for s in range(a.seeds))
        with open(config, "w") as f:
            f.write(f'include classpath("meta4j/conf/suite-sine.conf")\n'
                    f'experiment {{ steps = {a.steps}, eval-every = {a.steps}, log-every = 100 }}\n'
                    f'algorithm {{ eval-tasks = 50 }}\n'
                    f'suite {{ name = bench, seeds = [{seeds}] }}\n')
        print(f"# suite executors: {2 * a.seeds} sine MAML runs of {a.steps} meta-steps, "
              f"inline vs local with {a.workers} workers; {machine()}")
        inline, local, ratios = [], [], []
        for r in range(a.rounds):
            ti, md_inline = run_suite(config, os.path.join(work, f"inline-{r}"), "inline", a.workers)
            tl, md_local = run_suite(config, os.path.join(work, f"local-{r}"), "local", a.workers)
            if md_inline != md_local:
                sys.exit("the two executors wrote different tables:\n" + md_inline + "\n" + md_local)
            inline.append(ti)
            local.append(tl)
            ratios.append(tl / ti)
            print(f"round {r + 1}: inline {ti:.1f} s, local {tl:.1f} s, local/inline {tl / ti:.2f}")
        print(f"inline: median {median(inline):.1f} s ({spread(inline)}); local: median {median(local):.1f} s "
              f"({spread(local)}); local/inline median {median(ratios):.2f} (lower is faster; same tables)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

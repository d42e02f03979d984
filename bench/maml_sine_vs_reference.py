#!/usr/bin/python3
"""MAML on sine regression: meta4j against the PyTorch reference (bench/reference/maml_sine.py).

Both measure meta-steps/s the same way: warm-up steps, then the median rate of 3 equal timed
windows. Each round runs meta4j and the reference's modes one after the other, so drift of this
shared machine hits all of them alike; the table gives the median over rounds and the ratio
meta4j / reference-vectorized (the reference's fastest mode) per round, then its median.
"""
import argparse
import os

from benchlib import META4J, PYTHON, ROOT, json_lines, machine, median, spread

MODES = [("2nd order, 1 inner step", False, 1), ("2nd order, 5 inner steps", False, 5),
         ("first order, 1 inner step", True, 1), ("first order, 5 inner steps", True, 5)]


def meta4j(first_order, inner, steps, warmup):
    cmd = [META4J, "bench", "--steps", str(steps), "--warmup", str(warmup), "--repeats", "3",
           f"algorithm.first-order={str(first_order).lower()}", f"algorithm.inner-steps={inner}",
           "experiment.threads=1"]
    return json_lines(cmd)[0]["steps_per_s"]


def reference(first_order, inner, steps, warmup, vectorized, threads):
    cmd = [PYTHON, os.path.join(ROOT, "bench", "reference", "maml_sine.py"), "--no-eval",
           "--steps", str(steps + warmup), "--warmup", str(warmup), "--inner-steps", str(inner),
           "--threads", str(threads)]
    if first_order:
        cmd.append("--first-order")
    if vectorized:
        cmd.append("--vectorized")
    return json_lines(cmd)[0]["meta_steps_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer steps (noisier)")
    ap.add_argument("--ref-threads", type=int, default=2, help="threads of the reference (its default 2)")
    a = ap.parse_args()
    steps, warmup = (300, 30) if a.quick else (900, 50)
    print(f"# MAML sine: meta-steps/s, {a.rounds} rounds, {steps} timed steps each ({machine()})\n")
    print("| mode | meta4j | reference vectorized | reference loop | meta4j / vectorized (median of rounds) |")
    print("|---|---|---|---|---|")
    for label, fo, inner in MODES:
        ours, vec, loop, ratios = [], [], [], []
        for _ in range(a.rounds):
            o = meta4j(fo, inner, steps, warmup)
            v = reference(fo, inner, steps, warmup, True, a.ref_threads)
            lp = reference(fo, inner, max(100, steps // 4), 10, False, a.ref_threads)
            ours.append(o), vec.append(v), loop.append(lp), ratios.append(o / v)
        print(f"| {label} | {median(ours):.1f} ({spread(ours)}) | {median(vec):.1f} ({spread(vec)}) | "
              f"{median(loop):.1f} ({spread(loop)}) | **{median(ratios):.2f}×** ({spread(ratios)}) |", flush=True)


if __name__ == "__main__":
    main()

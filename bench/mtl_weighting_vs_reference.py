#!/usr/bin/python3
"""Multi-task weighting methods: training-step time of each method as a ratio to LS, meta4j and the
PyTorch reference (bench/reference/mtl_weighting.py) side by side.

meta4j measures every method in one process on the same Multi-Fashion batches (LeNet, two heads,
batch 256, 1x36x36), the methods taking turns within each of 6 timed windows of 40 steps; the
reference measures each method on random batches of the same shape, median of its 3 windows. Both
warm up first. `famo` includes the one no-grad forward pass its update needs,
`famo-core` leaves it out (the reference's --famo-update none).
"""
import argparse

from benchlib import META4J, PYTHON, ROOT, json_lines, machine, median

ALL = ["ls", "scaleinvls", "rlw", "dwa", "uw", "famo", "mgda", "pcgrad", "cagrad", "imtl", "nashmtl"]
REFERENCE_METHODS = ["ls", "famo", "mgda", "pcgrad"]


def meta4j(methods, steps, warmup, threads):
    variants = [f"--variant={m}:weighting.type={m}" for m in methods]
    variants.append("--variant=famo-core:weighting.type=famo,weighting.update=none")
    # The variants take turns within each window; 6 windows, so that the slow first window after
    # start-up (JIT, allocator) does not move the median.
    cmd = [META4J, "bench", "--config", "famo-multifashion.conf", "--steps", str(2 * steps), "--warmup", str(warmup),
           "--repeats", "6", f"experiment.threads={threads}", *variants]
    return {j["variant"]: j["steps_per_s"] for j in json_lines(cmd)}


def reference(steps, warmup, threads, update):
    cmd = [PYTHON, f"{ROOT}/bench/reference/mtl_weighting.py", "--steps", str(steps + warmup), "--warmup",
           str(warmup), "--threads", str(threads), "--famo-update", update,
           "--methods", ",".join(REFERENCE_METHODS if update == "extra-forward" else ["ls", "famo"])]
    methods = json_lines(cmd)[0]["methods"]
    return {m: v["steps_per_s"] for m, v in methods.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--methods", default=",".join(ALL))
    a = ap.parse_args()
    methods = [m for m in a.methods.split(",") if m]
    steps, warmup = (40, 10) if a.quick else (120, 20)
    ours, ref, ref_core = [], [], []
    for _ in range(a.rounds):
        ours.append(meta4j(methods, steps, warmup, a.threads))
        ref.append(reference(steps, warmup, a.threads, "extra-forward"))
        ref_core.append(reference(steps, warmup, a.threads, "none"))
    print(f"# Multi-task weighting: steps/s and time per step vs LS ({a.rounds} rounds, {machine()}, "
          f"{a.threads} threads)\n")
    print("| method | meta4j steps/s | meta4j time vs ls | reference steps/s | reference time vs ls | meta4j speed / reference |")
    print("|---|---|---|---|---|---|")

    def ratio(rounds, m):
        return median([r["ls"] / r[m] for r in rounds if m in r and "ls" in r])

    for m in methods + ["famo-core"]:
        o = median([r[m] for r in ours if m in r])
        rounds = ref_core if m == "famo-core" else ref
        key = "famo" if m == "famo-core" else m
        if any(key in r for r in rounds):
            rv = median([r[key] for r in rounds if key in r])
            rr = median([r["ls"] / r[key] for r in rounds if key in r])
            print(f"| {m} | {o:.2f} | {ratio(ours, m):.2f}× | {rv:.2f} | {rr:.2f}× | {o / rv:.2f}× |")
        else:
            print(f"| {m} | {o:.2f} | {ratio(ours, m):.2f}× | – | – | – |")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""MTAN-SegNet NYUv2 training steps: meta4j against the PyTorch reference (bench/reference/mtan_segnet.py).

famo-nyuv2.conf's model and batch (MTAN, filters 64-512, batch 2 of 3x288x384, Adam) for ls,
famo, nashmtl and pcgrad. meta4j reads a set of rendered scenes written at NYUv2's size into a
temporary folder (`meta4j make-scenes`; speed does not depend on pixel values), the reference
random tensors of the same shapes. meta4j runs the four methods as variants of one `meta4j bench`
(they take turns within every timed window), the reference one after another in one process;
each round runs meta4j, then the reference. The table gives seconds per step (medians over
rounds), the per-round ratio's median (reference time / meta4j time: above 1 means meta4j is
faster) and each process's peak RSS (wait4's high-water mark).

A step of this model takes about a minute on 2 CPU cores, so a round costs about 15 minutes:
--size H,W and --filters shrink it for a quick look (the ratios then say little about NYUv2).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from benchlib import META4J, PYTHON, ROOT, machine, median, spread

METHODS = ["ls", "famo", "nashmtl", "pcgrad"]


def run_rss(cmd):
    """Runs cmd; returns (JSON lines, peak RSS in MB)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd)}\n{err[-2000:]}")
    return [json.loads(l[5:]) for l in out.splitlines() if l.startswith("JSON ")], usage.ru_maxrss / 1024


def meta4j(root, a, h, w):
    variants = [f"--variant={m}:weighting.type={m}" for m in METHODS]
    cmd = [META4J, "bench", "--config", "famo-nyuv2.conf", "--steps", str(a.steps), "--warmup", "1",
           "--repeats", str(a.steps), f"dataset.root={root}", f"dataset.height={h}", f"dataset.width={w}",
           f"experiment.threads={a.threads}", "dataset.augmentation=none",
           f"model.filters=[{a.filters}]", *variants]
    lines, rss = run_rss(cmd)
    return {j["variant"]: j["ms_per_step"] / 1000 for j in lines}, rss


def reference(a, h, w):
    cmd = [PYTHON, os.path.join(ROOT, "bench", "reference", "mtan_segnet.py"), "--height", str(h), "--width",
           str(w), "--threads", str(a.threads), "--warmup", "1", "--repeats", str(a.steps),
           "--filters", a.filters, "--methods", ",".join(METHODS)]
    lines, rss = run_rss(cmd)
    return lines[0]["s_per_step"], rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3, help="timed steps per method (after one warm-up step)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", default="288,384", help="H,W (default NYUv2's 288,384)")
    ap.add_argument("--filters", default="64,128,256,512,512")
    a = ap.parse_args()
    h, w = (int(v) for v in a.size.split(","))
    tmp = tempfile.mkdtemp(prefix="meta4j-mtan-bench-")
    try:
        root = os.path.join(tmp, "scenes")
        subprocess.run([META4J, "make-scenes", "--out", root, "--train", "4", "--val", "2", "--height", str(h),
                        "--width", str(w)], check=True, stdout=subprocess.DEVNULL)
        ours, ref, rss_o, rss_r = {m: [] for m in METHODS}, {m: [] for m in METHODS}, [], []
        for _ in range(a.rounds):
            o, ro = meta4j(root, a, h, w)
            r, rr = reference(a, h, w)
            for m in METHODS:
                ours[m].append(o[m]), ref[m].append(r[m])
            rss_o.append(ro), rss_r.append(rr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# MTAN-SegNet training step, batch 2 of 3x{h}x{w}, filters [{a.filters}], {a.rounds} round(s), "
          f"{a.threads} threads ({machine()})\n")
    print("| method | meta4j s/step | reference s/step | reference / meta4j |")
    print("|---|---|---|---|")
    for m in METHODS:
        ratios = [r / o for o, r in zip(ours[m], ref[m])]
        print(f"| {m} | {median(ours[m]):.2f} ({spread(ours[m])}) | {median(ref[m]):.2f} ({spread(ref[m])}) | "
              f"**{median(ratios):.2f}×** |")
    print(f"\npeak RSS: meta4j {median(rss_o):.0f} MB (one process, all four methods), "
          f"reference {median(rss_r):.0f} MB (one process, all four)")


if __name__ == "__main__":
    main()

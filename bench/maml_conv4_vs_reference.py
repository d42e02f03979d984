#!/usr/bin/python3
"""Conv4 MAML: meta4j against the PyTorch reference (bench/reference/maml_conv4.py).

Second-order MAML, Conv4 (64 filters, max-pool, transductive batch norm), 5-way 1-shot with 15
queries per class, meta-batch 4, inner SGD lr 0.4, at 1 and 5 inner steps. meta4j runs
maml-fashion-5w1s.conf (real 28x28 images; speed does not depend on pixel values), the
reference random tensors of the same shape, while holding Fashion-MNIST's 70,000 images
in memory as meta4j's dataset does (so peak RSS compares the same workload). Both: warm-up steps, then the median rate of 3
timed windows. Each round runs meta4j and the reference one after the other, so drift hits
both; the table gives medians over rounds, the per-round ratio's median, and each process's
peak RSS (from wait4, the kernel's own high-water mark).

--memory N runs meta4j alone for N meta-steps and samples its RSS every second: native memory
must stay flat (the first and last tenth of the run are compared).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

from benchlib import META4J, PYTHON, ROOT, machine, median, spread

CONFIG = "maml-fashion-5w1s.conf"
# meta4j's run holds Fashion-MNIST's 70,000 images; the reference holds the same bytes, so their
# peak RSS compare the same workload (its episodes stay random tensors: timing is unaffected)
FASHION = "/usr/share/datasets/fashion-mnist"
SHAPE = ["dataset.ways=5", "dataset.shots=1", "dataset.queries=15", "dataset.train-ways=5",
         "dataset.train-queries=15", "algorithm.meta-batch=4", "algorithm.inner-lr=0.4",
         "model.channels=64", "model.downsample=max-pool", "model.bn-mode=transductive"]


def run(cmd, sample_rss=False):
    """Runs cmd; returns (JSON lines, peak RSS in MB, [(seconds, RSS MB)] samples)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []
    if sample_rss:
        def sample():
            start = time.time()
            while p.poll() is None:
                try:
                    with open(f"/proc/{p.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmRSS:"):
                                samples.append((time.time() - start, int(line.split()[1]) / 1024))
                except OSError:
                    break
                time.sleep(1)
        threading.Thread(target=sample, daemon=True).start()
    out_chunks, err_chunks = [], []
    t_out = threading.Thread(target=lambda: out_chunks.append(p.stdout.read()))
    t_err = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()))
    t_out.start(), t_err.start()
    _, status, usage = os.wait4(p.pid, 0)
    t_out.join(), t_err.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{''.join(err_chunks)[-2000:]}")
    lines = [json.loads(l[5:]) for l in "".join(out_chunks).splitlines() if l.startswith("JSON ")]
    return lines, usage.ru_maxrss / 1024, samples


def meta4j(inner, steps, warmup, threads):
    cmd = [META4J, "bench", "--config", CONFIG, "--steps", str(steps), "--warmup", str(warmup),
           "--repeats", "3", f"algorithm.inner-steps={inner}", f"experiment.threads={threads}"] + SHAPE
    lines, rss, _ = run(cmd)
    return lines[0]["steps_per_s"], rss


def reference(inner, steps, warmup, threads):
    cmd = [PYTHON, os.path.join(ROOT, "bench", "reference", "maml_conv4.py"), "--steps", str(steps + warmup),
           "--warmup", str(warmup), "--inner-steps", str(inner), "--threads", str(threads),
           "--hold-images", FASHION]
    lines, rss, _ = run(cmd)
    return lines[0]["meta_steps_per_s"], rss


def memory(steps, threads):
    cmd = [META4J, "bench", "--config", CONFIG, "--steps", str(steps), "--warmup", "0", "--repeats", "1",
           "algorithm.inner-steps=1", f"experiment.threads={threads}"] + SHAPE
    _, peak, samples = run(cmd, sample_rss=True)
    n = len(samples)
    if n < 20:
        sys.exit(f"too few RSS samples ({n}); run more steps")
    early = median([r for _, r in samples[n // 10: n // 5]])
    late = median([r for _, r in samples[-n // 10:]])
    print(f"# Conv4 MAML native memory over {steps} meta-steps ({machine()})\n")
    print(f"RSS, median of the 2nd tenth of the run: {early:.0f} MB; of the last tenth: {late:.0f} MB; "
          f"growth {late - early:+.0f} MB ({(late / early - 1) * 100:+.1f} %); peak {peak:.0f} MB; {n} samples")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer steps (noisier)")
    ap.add_argument("--threads", type=int, default=2, help="threads of both sides (default 2)")
    ap.add_argument("--memory", type=int, metavar="N", help="instead: meta4j's RSS over N meta-steps")
    a = ap.parse_args()
    if a.memory:
        memory(a.memory, a.threads)
        return
    print(f"# Conv4 MAML, 2nd order, 5-way 1-shot, meta-batch 4: meta-steps/s and peak RSS, "
          f"{a.rounds} rounds, {a.threads} threads ({machine()})\n")
    print("| inner steps | meta4j steps/s | reference steps/s | meta4j / reference | meta4j peak RSS MB | reference peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for inner in (1, 5):
        steps, warmup = ((12, 3) if a.quick else (45, 5)) if inner == 1 else ((4, 1) if a.quick else (15, 2))
        ours, ref, ratios, rss_o, rss_r = [], [], [], [], []
        for _ in range(a.rounds):
            o, ro = meta4j(inner, steps, warmup, a.threads)
            r, rr = reference(inner, steps, warmup, a.threads)
            ours.append(o), ref.append(r), ratios.append(o / r), rss_o.append(ro), rss_r.append(rr)
        print(f"| {inner} | {median(ours):.2f} ({spread(ours)}) | {median(ref):.2f} ({spread(ref)}) | "
              f"**{median(ratios):.2f}×** ({spread(ratios)}) | {median(rss_o):.0f} | {median(rss_r):.0f} |", flush=True)


if __name__ == "__main__":
    main()

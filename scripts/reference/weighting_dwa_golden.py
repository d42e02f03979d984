#!/usr/bin/env python3
"""Golden numbers for meta4j's DWA with form = reference-code (numpy only).

An independent computation of the DWA variant of the FAMO and Nash-MTL repositories
(methods/weight_methods.py, class DynamicWeightAverage), from its description: per step, the
step's losses enter a first-in first-out buffer of 2W rows that starts as all ones; once more
than W + 1 steps have been seen (the counter of earlier calls exceeds W), the ratio of the mean
of the newest W rows to the mean of the oldest W rows, per task, gives w = K softmax(r / T);
before that w = 1 (or the last weights). The objective is the mean over tasks of w_k l_k.

Each step records the weights w, the objective (1/K) sum w_k l_k and its gradient w / K with
respect to the losses, computed twice: in float64 (the formula) and with the buffer and weights
in float32 as the repositories store them (to bound what that storage changes).

Writes plugins-weighting/src/test/resources/golden/dwa-reference-code.json.
Regenerate:  python3 scripts/reference/weighting_dwa_golden.py [--check]
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-weighting", "src", "test", "resources", "golden",
                           "dwa-reference-code.json")


def loss_sequence(seed, k, steps):
    """Decaying losses with noise, each task at its own rate and scale."""
    rs = np.random.RandomState(seed)
    scale = 10.0 ** rs.uniform(-1, 1, size=k)
    rate = rs.uniform(0.005, 0.08, size=k)
    t = np.arange(steps)[:, None]
    return scale * np.exp(-rate * t) * (1 + 0.2 * rs.rand(steps, k))


def weights_per_step(losses, window, temperature, dtype):
    steps, k = losses.shape
    history = np.ones((2 * window, k), dtype=dtype)
    w = np.ones(k, dtype=dtype)
    out = []
    for n in range(steps):
        history = np.concatenate([history[1:], losses[n:n + 1].astype(dtype)], axis=0)
        if n > window:
            newer = history[window:].mean(axis=0)
            older = history[:window].mean(axis=0)
            e = np.exp((newer / older) / temperature)
            w = (k * e / e.sum()).astype(dtype)
        out.append(w.astype(np.float64).copy())
    return out


def build():
    cases = []
    for name, seed, k, steps, window, temperature in [
            ("k3_w4", 1, 3, 24, 4, 2.0), ("k2_w25", 2, 2, 80, 25, 2.0), ("k5_w3_t1", 3, 5, 16, 3, 1.0)]:
        losses = loss_sequence(seed, k, steps)
        exact = weights_per_step(losses, window, temperature, np.float64)
        single = weights_per_step(losses, window, temperature, np.float32)
        records = []
        for n in range(steps):
            w = exact[n]
            records.append({"losses": losses[n].tolist(), "weights": w.tolist(),
                            "objective": float((w * losses[n]).mean()), "grad_losses": (w / k).tolist(),
                            "weights_float32_buffer": single[n].tolist()})
        cases.append({"name": name, "window": window, "temperature": temperature, "steps": records})
    return {"generator": "scripts/reference/weighting_dwa_golden.py", "versions": {"numpy": np.__version__},
            "cases": cases}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true")
    args = p.parse_args(argv)
    data = build()
    text = json.dumps(data, indent=1) + "\n"
    if args.check:
        with open(args.out) as f:
            same = json.load(f)["cases"] == json.loads(text)["cases"]
        print("unchanged" if same else "differs")
        return 0 if same else 1
    with open(args.out, "w") as f:
        f.write(text)
    for c in data["cases"]:
        last = c["steps"][-1]
        gap = max(abs(a - b) for s in c["steps"] for a, b in zip(s["weights"], s["weights_float32_buffer"]))
        print(f"{c['name']:9s} last w={np.round(last['weights'], 5).tolist()} float32 storage changes w by <= {gap:.1e}")
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

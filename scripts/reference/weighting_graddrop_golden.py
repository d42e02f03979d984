#!/usr/bin/env python3
"""Golden numbers for meta4j's GradDrop (gradient sign dropout) from fixed gradients and fixed uniform draws.

Written from Algorithm 1 of Chen et al., "Just Pick a Sign: Optimizing Deep Multitask Models with
Gradient Sign Dropout" (NeurIPS 2020), independently of the Java code: plain Python floats, one
element at a time, no tensor library. For the representation A ([N, D]: batch first, the other
dimensions flattened) and the task gradients g_i = dL_i/dA:

  G_i = sign(A) g_i                     (input_sign; else G_i = g_i)
  G_i = sum over the batch of G_i       (sum_batch; one P and one U per feature, else per element)
  P   = (1 + sum_i G_i / (sum_i |G_i| + eps)) / 2
  M_i = [P > U][G_i > 0] + [P < U][G_i < 0]
  new = sum_i (leak + (1 - leak) M_i) g_i, times |sum_i g_i| / (|new| + eps) with keep_norm
        (the official lingvo code's keep_gradnorm_constant)

U is drawn here (Python's random.Random) and written out, so the Java test feeds the same U; every
U is at least 1e-3 from its P (redrawn otherwise), so float32 takes the same keep/drop decisions.

Cases: the paper's defaults on a ReLU representation (with zeros, so sign(A) drops elements), a
multi-dimensional representation with a leak, no input sign, no batch sum, keep_norm, a
pre-activation representation with a dead feature (every G_i = 0 there, P = 1/2) and an exactly
zero gradient, a single task (nothing is dropped but where G = 0), and tasks that all agree.

Writes plugins-weighting/src/test/resources/golden/graddrop.json.

Regenerate:  python3 scripts/reference/weighting_graddrop_golden.py   (the standard library only)
             (--out PATH to write elsewhere; --check to recompute and compare with the file)
"""
import argparse
import math
import os
import platform
import random
import sys

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-weighting", "src", "test", "resources", "golden",
                           "graddrop.json")

DEFAULTS = {"leak": 0.0, "input_sign": True, "sum_batch": True, "keep_norm": False, "eps": 1e-7}
MARGIN = 1e-3


def sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def purity(A, g, s):
    """P[r][d] (r over 1 row when the batch is summed, else over N) and the G_i it came from."""
    K, N, D = len(g), len(A), len(A[0])
    rows = 1 if s["sum_batch"] else N
    G = [[[0.0] * D for _ in range(rows)] for _ in range(K)]
    for i in range(K):
        for n in range(N):
            for d in range(D):
                v = g[i][n][d] * (sign(A[n][d]) if s["input_sign"] else 1.0)
                if s["sum_batch"]:
                    G[i][0][d] += v
                else:
                    G[i][n][d] = v
    P = [[0.0] * D for _ in range(rows)]
    for r in range(rows):
        for d in range(D):
            total = sum(G[i][r][d] for i in range(K))
            mass = sum(abs(G[i][r][d]) for i in range(K))
            P[r][d] = 0.5 * (1.0 + total / (mass + s["eps"]))
    return P, G


def graddrop(A, g, U, s):
    K, N, D = len(g), len(A), len(A[0])
    P, G = purity(A, g, s)
    M = [[[0.0] * D for _ in range(len(P))] for _ in range(K)]
    for i in range(K):
        for r in range(len(P)):
            for d in range(D):
                keep = (P[r][d] > U[r][d] and G[i][r][d] > 0) or (P[r][d] < U[r][d] and G[i][r][d] < 0)
                M[i][r][d] = 1.0 if keep else 0.0
    out = [[0.0] * D for _ in range(N)]
    for n in range(N):
        for d in range(D):
            r = 0 if s["sum_batch"] else n
            out[n][d] = sum((s["leak"] + (1.0 - s["leak"]) * M[i][r][d]) * g[i][n][d] for i in range(K))
    if s["keep_norm"]:
        incoming = math.sqrt(sum(sum(g[i][n][d] for i in range(K)) ** 2 for n in range(N) for d in range(D)))
        norm = math.sqrt(sum(out[n][d] ** 2 for n in range(N) for d in range(D)))
        scale = incoming / (norm + s["eps"])
        out = [[v * scale for v in row] for row in out]
    return P, M, out


def draw_uniform(rs, P):
    """U with every element at least MARGIN from its P."""
    U = [[0.0] * len(P[0]) for _ in range(len(P))]
    for r in range(len(P)):
        for d in range(len(P[0])):
            u = rs.random()
            while abs(u - P[r][d]) < MARGIN:
                u = rs.random()
            U[r][d] = u
    return U


def build():
    rs = random.Random(20201013)

    def randn(*shape):
        if len(shape) == 1:
            return [rs.gauss(0.0, 1.0) for _ in range(shape[0])]
        return [randn(*shape[1:]) for _ in range(shape[0])]

    def relu(x):
        return [relu(v) for v in x] if isinstance(x, list) else max(x, 0.0)

    def scale(x, f):
        return [scale(v, f) for v in x] if isinstance(x, list) else x * f

    specs = []

    def case(name, note, K, shape, settings, A=None, g=None):
        N = shape[0]
        D = math.prod(shape[1:])
        specs.append((name, note, K, list(shape), dict(DEFAULTS, **settings),
                      A if A is not None else relu(randn(N, D)), g if g is not None else randn(K, N, D)))

    case("k2_paper", "the paper's defaults on a ReLU representation (zeros in A)", 2, (4, 6), {})
    case("k3_leak_3d", "a [3, 2, 3] representation, leak 0.25", 3, (3, 2, 3), {"leak": 0.25})
    case("k2_no_sign", "input_sign off: P from the raw gradients", 2, (4, 5), {"input_sign": False}, A=randn(4, 5))
    case("k3_per_element", "sum_batch off: one P and one U per element of the batch", 3, (3, 4),
         {"sum_batch": False}, A=randn(3, 4))
    case("k2_keep_norm", "keep_norm: rescaled to |sum_i g_i| (lingvo's default)", 2, (5, 4), {"keep_norm": True},
         A=randn(5, 4))
    A = randn(5, 4)
    for n in range(5):
        A[n][0] = 0.0  # a dead feature: every G_i is 0 there, so P = 1/2 and nothing is kept
    g = randn(4, 5, 4)
    g[1][2][3] = 0.0
    for i in range(4):
        for n in range(5):
            g[i][n][2] *= 1e-3  # small gradients on one feature
    case("k4_dead_feature", "pre-activation A with a dead feature, an exactly zero gradient, a leak", 4, (5, 4),
         {"leak": 0.1}, A=A, g=g)
    case("k1_single_task", "one task: P is 0 or 1, so all is kept but where G = 0", 1, (3, 5), {}, A=randn(3, 5))
    base = [[[abs(v) + 0.1 for v in row] for row in task] for task in randn(3, 4, 3)]
    case("k3_agree", "every task's G has the same sign: P is (nearly) 0 or 1, all kept", 3, (4, 3), {},
         A=[[abs(v) + 0.1 for v in row] for row in randn(4, 3)],
         g=[scale(base[i], f) for i, f in enumerate([1.0, 0.5, 2.0])])

    cases = []
    for name, note, K, shape, s, A, g in specs:
        P, _ = purity(A, g, s)
        U = draw_uniform(rs, P)
        P, M, out = graddrop(A, g, U, s)
        kept = sum(M[i][r][d] for i in range(K) for r in range(len(P)) for d in range(len(P[0])))
        cases.append({"name": name, "note": note, "K": K, "shape": shape, "settings": s,
                      "A": [v for row in A for v in row], "G": [[v for row in task for v in row] for task in g],
                      "U": [v for row in U for v in row], "P": [v for row in P for v in row],
                      "kept": int(kept), "gradient": [v for row in out for v in row]})
    return {"generator": "scripts/reference/weighting_graddrop_golden.py",
            "versions": {"python": platform.python_version()}, "cases": cases}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help="recompute and compare with --out instead of writing")
    args = p.parse_args(argv)
    data = build()
    if args.check:
        return golden_io.check(data, args.out, 1e-12)
    golden_io.write(data, args.out)
    for c in data["cases"]:
        total = c["K"] * len(c["P"])
        print(f"{c['name']:16s} K={c['K']} shape={c['shape']} kept {c['kept']}/{total} mask entries")
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

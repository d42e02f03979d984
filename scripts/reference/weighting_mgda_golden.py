#!/usr/bin/env python3
"""Golden numbers for meta4j's MGDA min-norm solvers: the exact optimum, and the official iterative solvers.

Independent of the Java code and of weighting_gradient_golden.py's Frank-Wolfe: the exact min-norm
point min_{w in simplex} |sum_i w_i g_i / s_i|^2 is found by enumerating every support S of the
distinct (normalised) gradients and solving its KKT system [M_SS, -1; 1^T, 0] [w; mu] = [0; 1] in
50-digit arithmetic (mpmath); the optimum is the feasible (w >= 0) support of least value. Rows
that are the same vector are enumerated once, under their lowest index, which is meta4j's stated
rule for the non-unique weights; the min-norm point itself is unique in every case.

It also re-implements, in numpy float64 from the descriptions in Sener & Koltun's MinNormSolver
(find_min_norm_element, which the official MGDA calls, and find_min_norm_element_FW), the two
iterative solvers with meta4j's two documented deviations: the two-vector solution clipped at
exactly 0 and 1 (officially 0.001 / 0.999), and the cap of 250 iterations enforced (the official
loops never count). Their values show how far the official solvers stop from the optimum.

Cases: those of golden/gradient-based.json (read from it, so torch is not needed here), plus two
badly scaled five-task cases whose (loss-normalised) gradient norms span several orders of
magnitude, where Frank-Wolfe stops ~5e-4 of the largest squared norm from the optimum.

Writes plugins-weighting/src/test/resources/golden/mgda-exact.json.

Regenerate:  python3 scripts/reference/weighting_mgda_golden.py   (numpy and mpmath)
             (--out PATH to write elsewhere; --check to recompute and compare with the file)
"""
import argparse
import itertools
import json
import os
import sys

import mpmath
import numpy as np

import golden_io

mpmath.mp.dps = 50

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "plugins-weighting", "src", "test", "resources", "golden")
DEFAULT_OUT = os.path.join(GOLDEN, "mgda-exact.json")
NORMALIZATIONS = ["none", "l2", "loss", "loss+"]


# ----------------------------------------------------------------------------- cases

def badly_scaled_cases():
    """Five tasks, raw gradient norms over six orders of magnitude and losses over four, in few
    dimensions (P = 3, 4), so that many vertices lie on the hull's boundary. The seeds are the two
    of 20,000 where Frank-Wolfe's 250 iterations stopped farthest from the optimum under loss
    normalisation (5.1e-4 and 4.0e-4 of the largest squared norm)."""
    out = []
    for name, seed, P in [("k5_badly_scaled", 16466, 3), ("k5_badly_scaled_b", 15833, 4)]:
        rs = np.random.RandomState(seed)
        rs.choice([3, 4])  # the search drew P first; keep the same stream
        scale = 10.0 ** rs.uniform(-3, 3, size=5)
        G = rs.randn(5, P) * scale[:, None]
        losses = 10.0 ** rs.uniform(-3, 1, size=5)
        out.append({"name": name, "note": f"seed {seed}: norms {np.linalg.norm(G, axis=1).min():.1e} to "
                    f"{np.linalg.norm(G, axis=1).max():.1e}, losses {losses.min():.1e} to {losses.max():.1e}",
                    "K": 5, "P": P, "G": G.tolist(), "losses": losses.tolist()})
    return out


def load_cases():
    with open(os.path.join(GOLDEN, "gradient-based.json")) as f:
        cases = json.load(f)["cases"]
    return [{"name": c["name"], "G": c["G"], "losses": c["losses"]} for c in cases] + badly_scaled_cases()


def scales(G, losses, normalization):
    norms = np.sqrt((G * G).sum(1))
    s = {"none": np.ones(len(G)), "l2": norms, "loss": losses.copy(), "loss+": losses * norms}[normalization]
    return np.maximum(s, 1e-12)


# ----------------------------------------------------------------------------- exact, by enumeration

def gauss(B, rhs, n):
    """Gaussian elimination with partial pivoting in mp arithmetic; None if a pivot is ~0."""
    A = [[B[i, j] for j in range(n)] + [rhs[i]] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(A[r][c]))
        if abs(A[p][c]) < mpmath.mpf(10) ** -40:
            return None
        A[c], A[p] = A[p], A[c]
        for r in range(c + 1, n):
            f = A[r][c] / A[c][c]
            for j in range(c, n + 1):
                A[r][j] -= f * A[c][j]
    x = [mpmath.mpf(0)] * n
    for i in range(n - 1, -1, -1):
        x[i] = (A[i][n] - mpmath.fsum(A[i][j] * x[j] for j in range(i + 1, n))) / A[i][i]
    return x


def exact(V):
    """V: list of mp row vectors (the normalised gradients). Returns value, w (mp), groups, unique."""
    K = len(V)
    M = [[mpmath.fsum(a * b for a, b in zip(V[i], V[j])) for j in range(K)] for i in range(K)]
    rep = list(range(K))
    for j in range(K):
        for i in range(j):
            if rep[i] == i and all(a == b for a, b in zip(V[i], V[j])):
                rep[j] = i
                break
    distinct = [i for i in range(K) if rep[i] == i]
    feasible = []
    for size in range(1, len(distinct) + 1):
        for S in itertools.combinations(distinct, size):
            n = len(S)
            B = mpmath.matrix(n + 1, n + 1)
            rhs = mpmath.matrix(n + 1, 1)
            for p in range(n):
                for q in range(n):
                    B[p, q] = M[S[p]][S[q]]
                B[p, n] = -1
                B[n, p] = 1
            rhs[n] = 1
            x = gauss(B, rhs, n + 1)
            if x is None:  # affinely dependent support
                continue
            y = [x[p] for p in range(n)]
            if min(y) < 0:
                continue
            w = [mpmath.mpf(0)] * K
            for p in range(n):
                w[S[p]] = y[p]
            value = mpmath.fsum(w[i] * w[j] * M[i][j] for i in range(K) for j in range(K))
            feasible.append((value, S, w))
    best = min(v for v, _, _ in feasible)
    tol = mpmath.mpf(10) ** -35 * max(1, max(M[i][i] for i in range(K)))
    optimal = [(v, S, w) for v, S, w in feasible if v - best <= tol]
    # KKT certificate: (M w)_j >= w^T M w for every j
    _, S0, w0 = min(optimal, key=lambda t: (len(t[1]), t[1]))
    mw = [mpmath.fsum(M[j][i] * w0[i] for i in range(K)) for j in range(K)]
    assert min(mw) >= best - tol, "no KKT point"
    unique = all(max(abs(a - b) for a, b in zip(w, w0)) < mpmath.mpf(10) ** -25 for _, _, w in optimal)
    groups = [[j for j in range(K) if rep[j] == i] for i in distinct if sum(1 for j in range(K) if rep[j] == i) > 1]
    return best, w0, groups, unique


# ----------------------------------------------------------------------------- the official iterative solvers

def pair(v11, v12, v22):
    if v12 >= v11:
        return 1.0, v11
    if v12 >= v22:
        return 0.0, v22
    g = (v22 - v12) / (v11 + v22 - 2.0 * v12)
    return g, v22 + g * (v12 - v22)


def start(M):
    n = len(M)
    best = None
    for i in range(n):
        for j in range(i + 1, n):
            c, d = pair(M[i, i], M[i, j], M[j, j])
            if best is None or d < best[0]:
                best = (d, i, j, c)
    x = np.zeros(n)
    x[best[1]] = best[3]
    x[best[2]] = 1.0 - best[3]
    return x


def frank_wolfe(M, max_iter=250, stop=1e-5):
    x = start(M)
    for _ in range(max_iter):
        mx = M @ x
        t = int(np.argmin(mx))
        c, _ = pair(float(x @ mx), float(mx[t]), float(M[t, t]))
        new = c * x
        new[t] += 1.0 - c
        change = np.abs(new - x).sum()
        x = new
        if change < stop:
            break
    return x


def simplex_projection(y):
    m = len(y)
    desc = np.sort(y)[::-1]
    tau = (y.sum() - 1.0) / m
    acc = 0.0
    for i in range(m - 1):
        acc += desc[i]
        cand = (acc - 1.0) / (i + 1)
        if cand > desc[i + 1]:
            tau = cand
            break
    return np.maximum(y - tau, 0.0)


def projected_gradient(M, max_iter=250, stop=1e-5):
    x = start(M)
    for _ in range(max_iter):
        d = -(M @ x)
        p = d - d.sum() / len(d)
        neg, pos = p < 0, p > 0
        to_zero = -x[neg] / p[neg]
        to_one = (1.0 - x[pos]) / p[pos]
        t = to_zero[to_zero > 1e-7].min() if np.any(to_zero > 1e-7) else 1.0
        if np.any(to_one > 1e-7):
            t = min(t, to_one[to_one > 1e-7].min())
        nxt = simplex_projection(x + t * p)
        c, _ = pair(float(x @ M @ x), float(x @ M @ nxt), float(nxt @ M @ nxt))
        new = c * x + (1.0 - c) * nxt
        if np.abs(new - x).sum() < stop:
            break
        x = new
    return x


# ----------------------------------------------------------------------------- records

def build():
    out = {"generator": "scripts/reference/weighting_mgda_golden.py",
           "versions": {"numpy": np.__version__, "mpmath": mpmath.__version__}, "cases": [], "mgda": []}
    for case in load_cases():
        G = np.array(case["G"], dtype=np.float64)
        losses = np.array(case["losses"], dtype=np.float64)
        K = len(G)
        if case["name"].startswith("k5_badly"):
            out["cases"].append(case)
        for normalization in NORMALIZATIONS:
            s = scales(G, losses, normalization)
            V = [[mpmath.mpf(float(v)) / mpmath.mpf(float(s[i])) for v in G[i]] for i in range(K)]
            value, w, groups, unique = exact(V)
            u = [mpmath.fsum(w[i] * V[i][p] for i in range(K)) for p in range(G.shape[1])]
            Vf = G / s[:, None]
            Mf = Vf @ Vf.T
            rec = {"case": case["name"], "normalization": normalization,
                   "value": float(value), "alpha": [float(v) for v in w], "alpha_unique": unique,
                   "identical_groups": groups, "min_norm_point": [float(v) for v in u],
                   "largest_squared_norm": float(np.max(np.diag(Mf)))}
            if K >= 3:
                fw = frank_wolfe(Mf)
                pg = projected_gradient(Mf)
                rec["frank_wolfe_value"] = float(fw @ Mf @ fw)
                rec["projected_gradient_value"] = float(pg @ Mf @ pg)
            out["mgda"].append(rec)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true", help="recompute and compare with --out instead of writing")
    args = p.parse_args(argv)
    data = build()
    if args.check:
        return golden_io.check(data, args.out, 1e-12)
    golden_io.write(data, args.out)
    for r in data["mgda"]:
        gaps = ""
        if "frank_wolfe_value" in r:
            top = r["largest_squared_norm"]
            gaps = (f" fw-gap={(r['frank_wolfe_value'] - r['value']) / top:.2e}"
                    f" pg-gap={(r['projected_gradient_value'] - r['value']) / top:.2e} (of max |g|^2)")
        print(f"{r['case']:18s} {r['normalization']:5s} value={r['value']:.6e} unique={r['alpha_unique']}{gaps}")
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

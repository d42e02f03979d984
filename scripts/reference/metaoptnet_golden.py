#!/usr/bin/env python3
"""Golden numbers for MetaOptNet's heads (plugins-algorithms MetaOptNetHeadsTest), from scipy and numpy.

Independent of the Java code's interior-point method: each episode's Crammer-Singer SVM dual

    min  1/2 sum_m a_m^T K a_m + delta/2 |a|^2 - sum_i a_{i,y_i}
    s.t. a_{i,m} <= C [m == y_i],   sum_m a_{i,m} = 0,

(the official code's QP, K the support Gram matrix, delta the 1.0 it adds to the diagonal) is solved
with scipy's SLSQP, then made exact on the active set SLSQP found (a KKT solve in numpy, repeated
with entries moved in or out of the active set until every KKT condition holds), and the solution is
certified: stationarity on the free entries, feasibility, and non-negative multipliers of the active
bounds, each within 1e-10. The certificate, not the method, is what makes these numbers the optimum.
Also: the ridge head's logits (the code's MetaOptNetHead_Ridge, 2 Z X^T (K + lambda I)^-1 Y),
the ProtoNet head's (-|z - p_m|^2 / D), and the code's label-smoothed loss of the SVM logits.

Writes plugins-algorithms/src/test/resources/golden/metaoptnet-heads.json.

Regenerate:  /usr/bin/python3 scripts/reference/metaoptnet_golden.py   (numpy, scipy)
             (--out PATH to write elsewhere; --check to recompute and compare with the file)
"""
import argparse
import os
import sys

import numpy as np
import scipy
from scipy.optimize import minimize

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "plugins-algorithms", "src", "test", "resources", "golden",
                   "metaoptnet-heads.json")


def svm_dual(k, y, ways, c, delta):
    """The exact dual solution [S, ways] of one episode, certified by its KKT conditions."""
    n = k.shape[0]
    big = n * ways
    onehot = np.eye(ways)[y]                       # [S, ways]
    g = np.kron(k, np.eye(ways)) + delta * np.eye(big)
    cost = -onehot.reshape(big)
    upper = c * onehot.reshape(big)
    a = np.kron(np.eye(n), np.ones((1, ways)))     # [S, S*ways]

    res = minimize(lambda x: 0.5 * x @ g @ x + cost @ x, np.zeros(big), jac=lambda x: g @ x + cost,
                   method="SLSQP", bounds=[(None, u) for u in upper],
                   constraints=[{"type": "eq", "fun": lambda x: a @ x, "jac": lambda x: a}],
                   options={"ftol": 1e-16, "maxiter": 5000})
    active = res.x > upper - 1e-7 * max(1.0, c)
    for _ in range(100):
        free = ~active
        m = np.zeros((big + n, big + n))
        m[:big, :big] = np.where(free[:, None], g, np.eye(big))
        m[:big, big:] = np.where(free[:, None], a.T, 0.0)
        m[big:, :big] = a
        rhs = np.concatenate([np.where(free, -cost, upper), np.zeros(n)])
        z = np.linalg.solve(m, rhs)
        x, nu = z[:big], z[big:]
        multipliers = -(g @ x + cost + a.T @ nu)   # of the bounds x <= u
        violated = free & (x > upper + 1e-13)
        negative = active & (multipliers < -1e-13)
        if not violated.any() and not negative.any():
            break
        active = (active | violated) & ~negative
    else:
        raise RuntimeError("no active set satisfies the KKT conditions")
    stationarity = np.abs(np.where(active, 0.0, g @ x + cost + a.T @ nu)).max()
    assert stationarity < 1e-10, stationarity
    assert np.abs(a @ x).max() < 1e-12
    assert (x <= upper + 1e-12).all()
    assert (multipliers[active] >= -1e-12).all()
    assert np.abs(np.where(active, x - upper, 0.0)).max() < 1e-14
    slsqp_gap = float(np.abs(res.x - x).max())
    return x.reshape(n, ways), int(active.sum()), slsqp_gap


def smoothed_loss(logits, labels, ways, eps):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    onehot = np.eye(ways)[labels]
    target = onehot * (1 - eps) + (1 - onehot) * eps / (ways - 1)
    return float(-(target * logp).sum(axis=1).mean())


def case(name, seed, tasks, ways, shots, queries, dim, c, nonnegative, spread):
    rng = np.random.default_rng(seed)
    support, query, ys, yq = [], [], [], []
    for _ in range(tasks):
        centres = rng.normal(size=(ways, dim)) * spread
        y = rng.permutation(np.repeat(np.arange(ways), shots))
        q = rng.permutation(np.repeat(np.arange(ways), queries))
        s = centres[y] + rng.normal(size=(len(y), dim))
        z = centres[q] + rng.normal(size=(len(q), dim))
        if nonnegative:
            s, z = np.abs(s), np.abs(z)
        support.append(s)
        query.append(z)
        ys.append(y)
        yq.append(q)
    support, query, ys, yq = map(np.array, (support, query, ys, yq))
    delta, lam, eps = 1.0, 50.0, 0.1
    alphas, svm_logits, ridge_logits, proto_logits, losses, actives, gaps = [], [], [], [], [], [], []
    for t in range(tasks):
        x, z, y = support[t], query[t], ys[t]
        k = x @ x.T
        alpha, active, gap = svm_dual(k, y, ways, c, delta)
        alphas.append(alpha)
        actives.append(active)
        gaps.append(gap)
        logits = z @ x.T @ alpha
        svm_logits.append(logits)
        losses.append(smoothed_loss(logits, yq[t], ways, eps))
        onehot = np.eye(ways)[y]
        ridge_logits.append(z @ x.T @ np.linalg.solve(k + lam * np.eye(len(y)), 2.0 * onehot))
        protos = onehot.T @ x / onehot.sum(axis=0)[:, None]
        proto_logits.append(-((z[:, None, :] - protos[None, :, :]) ** 2).sum(axis=2) / dim)
    return {
        "name": name, "ways": ways, "dim": dim, "c": c, "delta": delta, "lambda": lam, "eps": eps,
        "support": support.tolist(), "support_labels": ys.tolist(),
        "query": query.tolist(), "query_labels": yq.tolist(),
        "svm_alpha": np.array(alphas).tolist(), "svm_logits": np.array(svm_logits).tolist(),
        "svm_smoothed_loss": losses, "svm_active_bounds": actives, "slsqp_max_gap": gaps,
        "ridge_logits": np.array(ridge_logits).tolist(), "proto_logits": np.array(proto_logits).tolist(),
    }


def compute():
    cases = [
        case("3-way 2-shot, two episodes", 1, 2, 3, 2, 2, 6, 0.1, False, 1.0),
        case("3-way 2-shot, C = 1", 2, 1, 3, 2, 2, 6, 1.0, False, 0.5),
        case("5-way 5-shot, 64-dim non-negative", 3, 1, 5, 5, 3, 64, 0.1, True, 1.0),
        case("5-way 15-shot, 32-dim, C = 0.5", 4, 1, 5, 15, 2, 32, 0.5, False, 0.3),
    ]
    return {"versions": {"numpy": np.__version__, "scipy": scipy.__version__}, "cases": cases}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=OUT)
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    data = compute()
    for c in data["cases"]:
        print(f"{c['name']}: active bounds {c['svm_active_bounds']}, SLSQP off by {max(c['slsqp_max_gap']):.1e}")
    if args.check:
        sys.exit(golden_io.check(data, args.out, 1e-9))
    golden_io.write(data, args.out)
    print("wrote", os.path.normpath(args.out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Golden numbers for mtl's test-time head: scikit-learn's multinomial L2 logistic regression.

The mtl algorithm (Wang, Zhao & Li, ICML 2021) classifies a test episode's queries with
sklearn.linear_model.LogisticRegression(penalty='l2', C=3, solver='lbfgs', max_iter=1000,
multi_class='auto' -> multinomial for 5 classes, tol=1e-4) fitted on the L2-normalised support
features, as the official code's meta_test does. This script fits exactly that on synthetic
episodes of 640-dim (ResNet-12-sized), non-negative, L2-normalised features and records:

  - the inputs (support features and labels, query features), rounded to 8 decimals, which are
    the exact values both sides fit on (outputs are written to 12 significant digits);
  - sklearn's coef_, intercept_, predict_proba and predict at the official settings, and n_iter_;
  - the minimiser of the same objective to high accuracy (scipy's L-BFGS-B from sklearn's own loss
    with gtol 1e-12, ftol 0), and how far sklearn's stopping point lies from it, so the Java test's
    tolerance on coefficients is measured, not guessed;
  - the smallest gap between the two largest probabilities of a query (predictions are compared
    exactly only where that gap is far above the coefficient error).

Writes plugins-algorithms/src/test/resources/golden/mtl-logreg.json.

Regenerate:  apt-get install -y python3-sklearn; /usr/bin/python3 scripts/reference/mtl_logreg_golden.py
             (--out PATH to write elsewhere; --check to recompute and compare with the file)
"""
import argparse
import os
import sys

import numpy as np
import scipy
import scipy.optimize
import sklearn
from sklearn.linear_model import LogisticRegression

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-algorithms", "src", "test", "resources", "golden",
                           "mtl-logreg.json")
C = 3.0
TOL = 1e-4
MAX_ITER = 1000
DIM = 640


def episode(seed, ways, shots, queries, spread):
    """Class means on the positive orthant plus noise, ReLU'd and L2-normalised like pooled features."""
    rs = np.random.RandomState(seed)
    means = np.abs(rs.randn(ways, DIM))
    def draw(n):
        x = np.maximum(means[:, None, :] + spread * rs.randn(ways, n, DIM), 0).reshape(ways * n, DIM)
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        return np.round(x, 8), np.repeat(np.arange(ways), n)
    xs, ys = draw(shots)
    xq, yq = draw(queries)
    return xs, ys, xq, yq


def objective(w, x, y, k):
    """sum_i CE(W x_i + b, y_i) + |W|^2 / (2C), w = [W | b] row-major per class; written independently of sklearn."""
    d = x.shape[1]
    wb = w.reshape(k, d + 1)
    z = x @ wb[:, :d].T + wb[:, d]
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    p = np.exp(z - lse[:, None])
    p[np.arange(len(y)), y] -= 1
    f = (lse - z[np.arange(len(y)), y]).sum() + 0.5 / C * (wb[:, :d] ** 2).sum()
    g = np.concatenate([p.T @ x + wb[:, :d] / C, p.sum(axis=0)[:, None]], axis=1)
    return f, g.ravel()


def g12(a):
    """12 significant digits: far finer than any tolerance the test uses, and half the file."""
    return [[float(f"{v:.12g}") for v in row] for row in np.atleast_2d(a)]


def case(name, seed, ways, shots, queries, spread):
    xs, ys, xq, yq = episode(seed, ways, shots, queries, spread)
    clf = LogisticRegression(penalty="l2", random_state=0, C=C, solver="lbfgs", max_iter=MAX_ITER,
                             multi_class="auto", tol=TOL)
    clf.fit(xs, ys)
    assert clf.coef_.shape == (ways, DIM)
    exact = scipy.optimize.minimize(objective, np.zeros(ways * (DIM + 1)), args=(xs, ys, ways), jac=True,
                                    method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 0, "maxiter": 100000})
    wb = exact.x.reshape(ways, DIM + 1)
    w_star, b_star = wb[:, :DIM], wb[:, DIM]
    f_sk, _ = objective(np.concatenate([clf.coef_, clf.intercept_[:, None]], axis=1).ravel(), xs, ys, ways)
    proba = clf.predict_proba(xq)
    top2 = np.sort(proba, axis=1)[:, -2:]
    coef_err = np.linalg.norm(clf.coef_ - w_star) / np.linalg.norm(w_star)
    print(f"{name}: sklearn n_iter {clf.n_iter_[0]}, |W_sk - W*|/|W*| = {coef_err:.2e}, "
          f"f_sk - f* = {f_sk - exact.fun:.2e}, exact |g|max {np.abs(exact.jac).max():.1e}, "
          f"intercept sum sk {clf.intercept_.sum():.1e}, min top-2 gap {(top2[:, 1] - top2[:, 0]).min():.3f}, "
          f"query accuracy {(clf.predict(xq) == yq).mean():.2f}")
    return {
        "name": name, "ways": ways, "shots": shots, "dim": DIM, "C": C, "tol": TOL, "max_iter": MAX_ITER,
        "support": xs.tolist(), "support_labels": ys.tolist(), "query": xq.tolist(), "query_labels": yq.tolist(),
        "coef": g12(clf.coef_), "intercept": clf.intercept_.tolist(), "n_iter": int(clf.n_iter_[0]),
        "predict_proba": g12(proba), "predict": clf.predict(xq).tolist(),
        "objective_sklearn": float(f_sk),
        "coef_exact": g12(w_star), "intercept_exact": b_star.tolist(), "objective_exact": float(exact.fun),
        "coef_relative_error_sklearn": float(coef_err),
        "min_top2_gap": float((top2[:, 1] - top2[:, 0]).min()),
    }


def build():
    cases = [
        case("5w1s", 1, 5, 1, 3, 1.0),
        case("5w5s", 2, 5, 5, 3, 1.0),
        case("5w5s_overlapping", 3, 5, 5, 3, 3.0),
    ]
    return {"versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
            "cases": cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    data = build()
    if args.check:
        sys.exit(golden_io.check(data, args.out, 1e-12))
    golden_io.write(data, args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()

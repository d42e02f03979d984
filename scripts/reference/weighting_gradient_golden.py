#!/usr/bin/python3
"""Golden numbers for meta4j's gradient-based multi-task weighting methods.

Written from the papers and the formulas of the official code (Sener & Koltun's MinNormSolver,
the CAGrad repository, the Nash-MTL/FAMO repositories' weight_methods.py), independently of the
Java implementation: it works on the task-gradient vectors themselves (not on a Gram matrix where
that is how the official code does it) and uses scipy's solvers (SLSQP, trust-constr, linprog)
where the official code uses scipy/cvxpy. cvxpy is not available here, so Nash-MTL's convex
sub-problems are solved with scipy and cross-checked with a second scipy method.

Writes plugins-weighting/src/test/resources/golden/gradient-based.json (float64 throughout):

  cases    fixed task-gradient matrices G [K, P] and losses [K]: K = 1, 2, 3, 5; P from 7 to 50;
           conflicting, aligned, parallel, orthogonal, opposite, a zero row, two identical rows.
  mgda     Frank-Wolfe min-norm weights (best-pair start, exact line search, <= 250 iterations,
           stop when the L1 change < 1e-5) for normalisations none, l2, loss, loss+, scaled to sum
           to K (FAMO/Nash-MTL repos) or 1; the update sum_i w_i g_i (unnormalised g_i, as the
           official code back-propagates sum_i w_i l_i); and the exact min-norm value (SLSQP,
           tight) to measure how far Frank-Wolfe stopped from the optimum. These are the goldens
           of meta4j's mgda solver = frank-wolfe; the default exact solver is checked against
           weighting_mgda_golden.py's 50-digit optima.
  pcgrad   explicit per-task orders of the other tasks and the update sum_i g_i^PC, projecting
           each gradient in turn like Yu et al. / the Nash-MTL repo (self excluded).
  cagrad   the official dual min_{x in simplex} x^T A b + c sqrt(x^T A x + 1e-8) with A = G G^T,
           b = 1/K, c = alpha sqrt(mean(A) + 1e-8) + 1e-8: x from SLSQP with the official (default)
           settings and from a tight solve (the better of SLSQP with ftol 1e-15 and trust-constr,
           with the Frank-Wolfe gap grad.x - min(grad) >= f(x) - f* recorded as a certificate); the
           update K (mean + c/(|G^T x| + 1e-8) G^T x) / (1 + alpha^2) for rescale = 1 (official
           default), / 1 for rescale = 0, / (1 + alpha) for rescale = 2.
  imtl     IMTL-G's closed form alpha_{2..K} = g_1 U^T (D U^T)^-1, alpha_1 = 1 - sum, D = g_1 - g_j,
           U = u_1 - u_j, u = g/|g| (a zero gradient gets u = 0 instead of NaN; numpy's pinv with
           rcond 1e-10 when D U^T is singular); update sum_i alpha_i g_i.
  nashmtl  the official sequence of convex problems (CCP): G^T G normalised by its Frobenius norm
           nf; each iteration minimises sum(G a) + phi'(a_prev) (a - a_prev) / nf subject to
           -log(a_i nf) - log((G a)_i) <= 0, a >= 0, solved by scipy SLSQP and trust-constr, each
           polished by Newton on the KKT system of its active set (linprog decides whether a
           sub-problem is infeasible, no a > 0 with G a > 0, or unbounded, some d >= 0 with
           G d >= 0 and cost.d < 0: cvxpy then leaves the value None and the official loop stops
           with the previous alpha); the official stop criteria (solver failure, |G a_t - 1/(a_t + 1e-10)| < 1e-3,
           |a_new - a_t| < 1e-6, at most optim_niter = 20); warm start from the previous step's
           alpha (ones at first). Multi-step sequences with update_weights_every = 1 and 2. Also
           the residual of the bargaining condition a_i (G^T G a)_i = 1 and the update
           sum_i a_i g_i before and after clipping to max_norm.

Regenerate:  /usr/bin/python3 scripts/reference/weighting_gradient_golden.py
             (--out PATH to write elsewhere; --check to recompute and compare with the file)
"""
import argparse
import json
import os
import sys

import numpy as np

import golden_io
import scipy
import scipy.optimize as so
import torch

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-weighting", "src", "test", "resources", "golden",
                           "gradient-based.json")


# ----------------------------------------------------------------------------- cases

def make_cases():
    rs = np.random.RandomState(20240611)
    cases = []

    def add(name, G, losses, note):
        G = np.asarray(G, dtype=np.float64)
        cases.append({"name": name, "note": note, "K": G.shape[0], "P": G.shape[1],
                      "G": G.tolist(), "losses": [float(v) for v in losses]})

    # K = 2, conflicting (negative inner product)
    a = rs.randn(7)
    b = -0.6 * a + 0.8 * rs.randn(7)
    add("k2_conflict", [a, b], [0.9, 1.7], "two gradients with a negative inner product")
    # K = 2, aligned but not parallel (positive inner product, different norms)
    a = rs.randn(11)
    b = 2.5 * a + 0.7 * rs.randn(11)
    add("k2_aligned", [a, b], [2.3, 0.4], "positive inner product; |g2| >> |g1|")
    # K = 2, exactly orthogonal (disjoint supports)
    a = np.zeros(9); a[:4] = rs.randn(4)
    b = np.zeros(9); b[4:] = 3.0 * rs.randn(5)
    add("k2_orthogonal", [a, b], [1.0, 1.5], "orthogonal gradients (disjoint supports)")
    # K = 2, exactly opposite
    a = rs.randn(8)
    add("k2_opposite", [a, -0.5 * a], [0.7, 0.8], "g2 = -0.5 g1 (0 is in the convex hull)")
    # K = 3, mixed conflicts
    G = rs.randn(3, 20)
    G[1] = -0.5 * G[0] + 0.6 * G[1]
    G[2] = 0.3 * G[0] + G[2] * 0.5
    add("k3_mixed", G, [1.2, 0.5, 2.0], "mixed conflicts, P = 20")
    # K = 3, one zero row
    G = rs.randn(3, 13)
    G[1] = 0.0
    add("k3_zero_row", G, [0.8, 0.3, 1.1], "task 1 has a zero gradient")
    # K = 3, two identical rows
    G = rs.randn(3, 17)
    G[1] = G[0]
    G[2] = -0.4 * G[0] + G[2]
    add("k3_identical", G, [0.6, 0.6, 1.4], "tasks 0 and 1 have identical gradients")
    # K = 3, all parallel with positive multiples
    a = rs.randn(10)
    add("k3_parallel", [a, 2.0 * a, 0.5 * a], [1.0, 2.0, 3.0], "aligned: g2 = 2 g1, g3 = 0.5 g1")
    # K = 5, random, different scales
    G = rs.randn(5, 50) * np.array([[1.0], [0.3], [2.0], [0.8], [1.4]])
    add("k5_random", G, [1.1, 0.2, 3.0, 0.9, 1.6], "random gradients, different norms, P = 50")
    # K = 5, strong conflicts
    base = rs.randn(30)
    G = np.stack([base + 0.5 * rs.randn(30), -0.7 * base + 0.6 * rs.randn(30),
                  0.2 * base + rs.randn(30), -base + 0.9 * rs.randn(30), rs.randn(30) * 0.5])
    add("k5_conflict", G, [0.5, 1.5, 2.5, 0.7, 1.0], "strong conflicts, P = 30")
    # K = 1
    add("k1", [rs.randn(8) * 1.7], [0.9], "a single task")
    # K = 3, small gradients (scale 1e-3): solvers must be scale-aware
    G = rs.randn(3, 25) * 1e-3
    G[2] = -0.5 * G[0] + 0.5 * G[2]
    add("k3_small", G, [0.05, 0.02, 0.03], "gradients of norm ~5e-3")
    # K = 2, small and mildly conflicting: G 1 > 0, so Nash-MTL's first sub-problem is bounded
    a = rs.randn(12) * 2e-3
    add("k2_small", [a, -0.3 * a + 1e-3 * rs.randn(12)], [0.03, 0.04], "gradients of norm ~5e-3, mild conflict")
    return cases


def arr(case):
    return np.array(case["G"], dtype=np.float64), np.array(case["losses"], dtype=np.float64)


# ----------------------------------------------------------------------------- MGDA

def min_norm_pair(v11, v12, v22):
    """argmin_{g in [0,1]} |g x1 + (1-g) x2|^2 from inner products, clipped exactly at 0 and 1
    (the official MinNormSolver clips at 0.999 / 0.001)."""
    if v12 >= v11:
        return 1.0, v11
    if v12 >= v22:
        return 0.0, v22
    g = (v22 - v12) / (v11 + v22 - 2.0 * v12)
    return g, v22 + g * (v12 - v22)


def mgda_frank_wolfe(vecs, max_iter=250, stop=1e-5):
    """Sener & Koltun's find_min_norm_element_FW on explicit vectors."""
    n = len(vecs)
    if n == 1:
        return np.ones(1), 0
    dps = {}
    for i in range(n):
        for j in range(n):
            dps[(i, j)] = float(np.dot(vecs[i], vecs[j]))
    dmin, sol = None, None
    for i in range(n):
        for j in range(i + 1, n):
            c, d = min_norm_pair(dps[(i, i)], dps[(i, j)], dps[(j, j)])
            if dmin is None or d < dmin:
                dmin, sol = d, (i, j, c)
    x = np.zeros(n)
    x[sol[0]] = sol[2]
    x[sol[1]] = 1.0 - sol[2]
    if n < 3:
        return x, 0
    M = np.array([[dps[(i, j)] for j in range(n)] for i in range(n)])
    it = 0
    while it < max_iter:
        it += 1
        t = int(np.argmin(M @ x))
        v1v1 = float(x @ M @ x)
        v1v2 = float(x @ M[:, t])
        v2v2 = float(M[t, t])
        nc, _ = min_norm_pair(v1v1, v1v2, v2v2)
        new = nc * x
        new[t] += 1.0 - nc
        change = np.sum(np.abs(new - x))
        x = new
        if change < stop:
            break
    return x, it


def exact_min_norm(vecs):
    """min |sum x_i v_i|^2 over the simplex, tight SLSQP (for reference only)."""
    V = np.array(vecs)
    n = len(vecs)
    A = V @ V.T
    f = lambda x: float(x @ A @ x)
    jac = lambda x: 2.0 * A @ x
    best = None
    for start in [np.ones(n) / n] + [np.eye(n)[i] for i in range(n)]:
        r = so.minimize(f, start, jac=jac, method="SLSQP", bounds=[(0, 1)] * n,
                        constraints=[{"type": "eq", "fun": lambda x: 1 - x.sum(), "jac": lambda x: -np.ones(n)}],
                        options={"ftol": 1e-16, "maxiter": 1000})
        if best is None or r.fun < best.fun:
            best = r
    return best.x, float(best.fun)


def gradient_scales(G, losses, normalization):
    norms = np.sqrt((G * G).sum(1))
    if normalization == "none":
        s = np.ones(len(G))
    elif normalization == "l2":
        s = norms
    elif normalization == "loss":
        s = losses.copy()
    elif normalization == "loss+":
        s = losses * norms
    else:
        raise ValueError(normalization)
    return np.maximum(s, 1e-12)


def run_mgda(cases):
    out = []
    for case in cases:
        G, losses = arr(case)
        K = len(G)
        for normalization in ["none", "l2", "loss", "loss+"]:
            s = gradient_scales(G, losses, normalization)
            vecs = [G[i] / s[i] for i in range(K)]
            alpha, iters = mgda_frank_wolfe(vecs)
            _, exact_value = exact_min_norm(vecs)
            fw_value = float(np.sum((alpha @ np.array(vecs)) ** 2))
            for weights in ["sum-tasks", "sum-one"]:
                if weights == "sum-one" and normalization != "none":
                    continue
                w = alpha * (K if weights == "sum-tasks" else 1.0)
                out.append({"case": case["name"], "normalization": normalization, "weights": weights,
                            "alpha": alpha.tolist(), "task_weights": w.tolist(),
                            "update": (w @ G).tolist(), "fw_iterations": iters,
                            "fw_min_norm_sq": fw_value, "exact_min_norm_sq": exact_value})
    return out


# ----------------------------------------------------------------------------- PCGrad

def run_pcgrad(cases):
    rs = np.random.RandomState(7)
    out = []
    for case in cases:
        G, _ = arr(case)
        K = len(G)
        for draw in range(2 if K >= 3 else 1):
            orders = []
            for i in range(K):
                others = [j for j in range(K) if j != i]
                rs.shuffle(others)
                orders.append([int(j) for j in others])
            grads = torch.tensor(G)
            pc = grads.clone()
            for i in range(K):
                for j in orders[i]:
                    gj = grads[j]
                    dot = torch.dot(pc[i], gj)
                    if dot < 0:
                        pc[i] -= dot * gj / gj.norm() ** 2
            out.append({"case": case["name"], "orders": orders, "projected": pc.tolist(),
                        "update": pc.sum(0).tolist()})
    return out


# ----------------------------------------------------------------------------- CAGrad

def cagrad_objective(A, b, c):
    n = len(b)

    def f(x):
        return float((x.reshape(1, n).dot(A).dot(b.reshape(n, 1))
                      + c * np.sqrt(x.reshape(1, n).dot(A).dot(x.reshape(n, 1)) + 1e-8)).sum())

    def jac(x):
        q = float(x @ A @ x) + 1e-8
        return A @ b + c * (A @ x) / np.sqrt(q)

    return f, jac


def cagrad_solve(G, alpha, tight):
    grads = torch.tensor(G).t()                      # [P, K] as in the official code
    K = G.shape[0]
    GG = grads.t().mm(grads)
    g0_norm = (GG.mean() + 1e-8).sqrt()
    x_start = np.ones(K) / K
    bnds = tuple((0, 1) for _ in x_start)
    A = GG.numpy()
    b = x_start.copy()
    c = (alpha * g0_norm + 1e-8).item()
    f, jac = cagrad_objective(A, b, c)
    if not tight:
        # exactly the official call: numerical gradients, default tolerances
        res = so.minimize(f, x_start, bounds=bnds, constraints={"type": "eq", "fun": lambda x: 1 - sum(x)})
        return res.x, f(res.x), c
    r1 = so.minimize(f, x_start, jac=jac, method="SLSQP", bounds=bnds,
                     constraints={"type": "eq", "fun": lambda x: 1 - sum(x), "jac": lambda x: -np.ones(K)},
                     options={"ftol": 1e-15, "maxiter": 2000})
    r2 = so.minimize(f, x_start, jac=jac, method="trust-constr", bounds=so.Bounds(np.zeros(K), np.ones(K)),
                     constraints=[so.LinearConstraint(np.ones((1, K)), 1, 1)],
                     options={"gtol": 1e-13, "xtol": 1e-15, "maxiter": 20000})
    best = r1.x if f(r1.x) <= f(r2.x) else r2.x
    best = np.maximum(best, 0.0)
    best = best / best.sum()
    # certificate of optimality for a convex f on the simplex: f(x) - f* <= grad.x - min(grad)
    grad = jac(best)
    return best, f(best), c, float(grad @ best - grad.min())


def cagrad_update(G, x, alpha, c, rescale):
    grads = torch.tensor(G).t()
    K = G.shape[0]
    ww = torch.tensor(x)
    gw = (grads * ww.view(1, -1)).sum(1)
    lmbda = c / (gw.norm() + 1e-8)
    g = grads.mean(1) + lmbda * gw
    if rescale == 1:
        g = g / (1 + alpha ** 2)
    elif rescale == 2:
        g = g / (1 + alpha)
    return (g * K).numpy()                           # overwrite_grad: "to match the sum loss"


def run_cagrad(cases):
    out = []
    for case in cases:
        G, _ = arr(case)
        settings = [(0.4, 1), (0.0, 1)]
        if case["name"] in ("k3_mixed", "k5_conflict", "k2_small"):
            settings += [(0.8, 0), (0.8, 2), (0.2, 1)]
        for alpha, rescale in settings:
            x_off, f_off, _ = cagrad_solve(G, alpha, tight=False)
            x, f_x, c, fw_gap = cagrad_solve(G, alpha, tight=True)
            # is x unique? the optimum is unique in u = G^T x; x itself is not when rows repeat
            unique = case["name"] not in ("k3_identical", "k3_parallel", "k2_opposite", "k3_zero_row")
            out.append({"case": case["name"], "c": alpha, "rescale": rescale, "x": x.tolist(),
                        "objective": f_x, "x_unique": unique, "optimality_gap_bound": fw_gap,
                        "x_official_slsqp": x_off.tolist(), "objective_official_slsqp": f_off,
                        "update": cagrad_update(G, x, alpha, c, rescale).tolist(),
                        "update_official_slsqp": cagrad_update(G, x_off, alpha, c, rescale).tolist()})
    return out


# ----------------------------------------------------------------------------- IMTL-G

def run_imtl(cases):
    out = []
    for case in cases:
        G, _ = arr(case)
        K = len(G)
        if K == 1:
            alpha = np.ones(1)
        else:
            norms = np.linalg.norm(G, axis=1)
            U = np.array([G[i] / norms[i] if norms[i] > 0 else np.zeros_like(G[i]) for i in range(K)])
            D = G[0] - G[1:]
            Ud = U[0] - U[1:]
            first = G[0] @ Ud.T
            M = D @ Ud.T
            s = np.linalg.svd(M, compute_uv=False)
            if s[-1] > 1e-10 * s[0]:
                second = np.linalg.inv(M)
            else:
                second = np.linalg.pinv(M, rcond=1e-10)
            a = first @ second
            alpha = np.concatenate([[1 - a.sum()], a])
        update = alpha @ G
        out.append({"case": case["name"], "alpha": alpha.tolist(), "update": update.tolist()})
    return out


# ----------------------------------------------------------------------------- Nash-MTL

def nash_feasible(Gn):
    """max s st (Gn a)_i >= s, a_i >= s, sum a = 1: the sub-problem is feasible iff s > 0."""
    K = len(Gn)
    c = np.zeros(K + 1); c[-1] = -1.0
    A_ub = np.zeros((2 * K, K + 1))
    A_ub[:K, :K] = -Gn; A_ub[:K, -1] = 1.0
    A_ub[K:, :K] = -np.eye(K); A_ub[K:, -1] = 1.0
    A_eq = np.zeros((1, K + 1)); A_eq[0, :K] = 1.0
    r = so.linprog(c, A_ub=A_ub, b_ub=np.zeros(2 * K), A_eq=A_eq, b_eq=[1.0],
                   bounds=[(0, 1)] * K + [(None, 1)], method="highs")
    return r.x[:K], -r.fun


def nash_unbounded(Gn, cost):
    """The feasible set recedes along {d >= 0, Gn d >= 0}; the linear objective is unbounded
    below iff some such d (sum d = 1) has cost.d < 0."""
    K = len(Gn)
    r = so.linprog(cost, A_ub=-Gn, b_ub=np.zeros(K), A_eq=np.ones((1, K)), b_eq=[1.0],
                   bounds=[(0, None)] * K, method="highs")
    return r.status == 0 and r.fun < -1e-9 * np.max(np.abs(cost))


def nash_subproblem(Gn, nf, ap):
    """The official cvxpy problem for linearisation point ap; None if infeasible / failed."""
    K = len(ap)
    Gap = Gn @ ap
    if np.any(Gap == 0) or np.any(ap == 0):
        return None
    phi_tag = 1.0 / ap + (1.0 / Gap) @ Gn
    cost = Gn.sum(0) + phi_tag / nf                 # sum(G a) + phi' a / nf (constant dropped)
    a_lp, s = nash_feasible(Gn)
    if s <= 1e-9:
        return None                                 # infeasible: cvxpy leaves the value None
    if nash_unbounded(Gn, cost):
        return None                                 # unbounded: cvxpy leaves the value None
    prod = a_lp * (Gn @ a_lp) * nf
    start = a_lp * np.sqrt(2.0 / prod.min())       # strictly feasible: a_i (G a)_i nf >= 2

    def cons(a):
        return np.log(np.maximum(a, 1e-300)) + np.log(np.maximum(Gn @ a, 1e-300)) + np.log(nf)

    def cons_jac(a):
        return np.diag(1.0 / a) + Gn / (Gn @ a)[:, None]

    r1 = so.minimize(lambda a: float(cost @ a), start, jac=lambda a: cost, method="SLSQP",
                     bounds=[(1e-12, None)] * K,
                     constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
                     options={"ftol": 1e-16, "maxiter": 2000})
    r2 = so.minimize(lambda a: float(cost @ a), start, jac=lambda a: cost, method="trust-constr",
                     constraints=[so.NonlinearConstraint(cons, 0, np.inf, jac=cons_jac)],
                     bounds=so.Bounds(np.full(K, 1e-12), np.full(K, np.inf)),
                     options={"gtol": 1e-14, "xtol": 1e-16, "maxiter": 20000})
    cands = [r.x for r in (r1, r2) if np.all(cons(r.x) >= -1e-9) and np.all(np.isfinite(r.x))]
    if not cands:
        raise RuntimeError("no scipy method solved the Nash-MTL sub-problem")
    # SLSQP / trust-constr stop around 1e-6 here; polish each on the KKT system of its active set
    polished = [p for p in (nash_polish(Gn, nf, cost, x, cons, cons_jac) for x in cands) if p is not None]
    if not polished:
        raise RuntimeError("KKT polishing failed for the Nash-MTL sub-problem")
    best = min(polished, key=lambda x: cost @ x)
    if len(polished) == 2 and np.linalg.norm(polished[0] - polished[1]) > 1e-9 * np.linalg.norm(best):
        print(f"  warning: polished SLSQP and trust-constr solutions differ by "
              f"{np.linalg.norm(polished[0] - polished[1]):.2e}", file=sys.stderr)
    return best


def nash_polish(Gn, nf, cost, x0, cons, cons_jac):
    """Newton (scipy root) on the KKT conditions cost = J_A^T lam, h_A(a) = 0 of the constraints
    that are (nearly) active at x0; accepted only if lam >= 0 and the rest stay feasible."""
    K = len(x0)
    act = np.where(cons(x0) < 1e-3)[0]
    if len(act) == 0:
        return None
    lam0, *_ = np.linalg.lstsq(cons_jac(x0)[act].T, cost, rcond=None)

    def F(z):
        a, lam = z[:K], z[K:]
        return np.concatenate([cost - cons_jac(a)[act].T @ lam, cons(a)[act]])

    r = so.root(F, np.concatenate([x0, lam0]), method="hybr", tol=1e-15)
    a, lam = r.x[:K], r.x[K:]
    ok = (np.all(np.isfinite(a)) and np.all(a > 0) and np.all(lam >= -1e-12)
          and np.all(cons(a) >= -1e-12) and np.max(np.abs(F(r.x))) < 1e-10 * max(1.0, np.max(np.abs(cost))))
    return a if ok else None


def nash_solve(gtg_raw, prev_alpha, optim_niter=20):
    nf = float(np.linalg.norm(gtg_raw))
    if not np.isfinite(nf) or nf == 0.0:
        return prev_alpha.copy(), 0, nf
    Gn = gtg_raw / nf
    alpha_t = prev_alpha.copy()
    iters = 0
    for _ in range(optim_niter):
        iters += 1
        new = nash_subproblem(Gn, nf, alpha_t)
        if (new is None
                or np.linalg.norm(Gn @ alpha_t - 1.0 / (alpha_t + 1e-10)) < 1e-3
                or np.linalg.norm(new - alpha_t) < 1e-6):
            break
        alpha_t = new
    return alpha_t, iters, nf


def clip(v, max_norm):
    n = float(np.linalg.norm(v))
    coef = max_norm / (n + 1e-6)                     # torch.nn.utils.clip_grad_norm_
    return v * coef if (max_norm > 0 and coef < 1) else v


def run_nashmtl(cases):
    out = []
    for case in cases:
        G, _ = arr(case)
        K = len(G)
        alpha, iters, nf = nash_solve(G @ G.T, np.ones(K))
        upd = alpha @ G
        resid = float(np.max(np.abs(alpha * (G @ G.T @ alpha) - 1.0)))
        out.append({"case": case["name"], "alpha": alpha.tolist(), "iterations": iters, "nf": nf,
                    "bargaining_residual": resid, "update_unclipped": upd.tolist(),
                    "update": clip(upd, 1.0).tolist()})
    return out


def run_nash_sequences(cases):
    """Several steps on changing gradients: the previous alpha warm-starts the next solve."""
    by = {c["name"]: arr(c)[0] for c in cases}
    rs = np.random.RandomState(99)
    seqs = []
    for name, every in [("k3_mixed", 1), ("k5_random", 1), ("k3_mixed", 2)]:
        G0 = by[name]
        steps = [G0 + 0.3 * t * rs.randn(*G0.shape) * np.std(G0) for t in range(4)]
        prev = np.ones(len(G0))
        out_steps = []
        for t, G in enumerate(steps):
            solved = t % every == 0
            if solved:
                prev, iters, _ = nash_solve(G @ G.T, prev)
            out_steps.append({"G": G.tolist(), "solved": solved, "alpha": prev.tolist()})
        seqs.append({"name": f"{name}_every{every}", "update_weights_every": every, "steps": out_steps})
    return seqs


# ----------------------------------------------------------------------------- main

def build():
    cases = make_cases()
    return {
        "generator": "scripts/reference/weighting_gradient_golden.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__},
        "cases": cases,
        "mgda": run_mgda(cases),
        "pcgrad": run_pcgrad(cases),
        "cagrad": run_cagrad(cases),
        "imtl": run_imtl(cases),
        "nashmtl": run_nashmtl(cases),
        "nashmtl_sequences": run_nash_sequences(cases),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, help="where to write the JSON")
    p.add_argument("--check", action="store_true", help="recompute and compare with --out instead of writing")
    args = p.parse_args(argv)
    data = build()
    if args.check:
        return golden_io.check(data, args.out, 1e-8)
    golden_io.write(data, args.out)
    summarize(data)
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


def summarize(d):
    for m in d["mgda"]:
        gap = m["fw_min_norm_sq"] - m["exact_min_norm_sq"]
        print(f"mgda   {m['case']:14s} {m['normalization']:5s} {m['weights']:9s} it={m['fw_iterations']:3d} "
              f"fw-exact={gap:.2e}")
    for c in d["cagrad"]:
        upd, off = np.array(c["update"]), np.array(c["update_official_slsqp"])
        rel = np.linalg.norm(upd - off) / max(np.linalg.norm(upd), 1e-300)
        print(f"cagrad {c['case']:14s} c={c['c']:.1f} r={c['rescale']} obj={c['objective']:.6e} "
              f"official-tight={c['objective_official_slsqp'] - c['objective']:.2e} "
              f"update rel diff={rel:.2e} gap<={c['optimality_gap_bound']:.1e}")
    for n in d["nashmtl"]:
        print(f"nash   {n['case']:14s} it={n['iterations']:2d} residual={n['bargaining_residual']:.2e} "
              f"alpha={np.round(n['alpha'], 5).tolist()}")
    for s in d["nashmtl_sequences"]:
        print(f"nash   {s['name']:14s} " + " | ".join(str(np.round(st['alpha'], 4).tolist()) for st in s["steps"]))


if __name__ == "__main__":
    sys.exit(main())

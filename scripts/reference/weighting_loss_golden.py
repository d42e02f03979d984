#!/usr/bin/python3
"""Golden numbers for meta4j's loss-based multi-task weighting methods.

Writes plugins-weighting/src/test/resources/golden/loss-based.json, which the Java tests in
plugins-weighting read (no Python at test time). Run from anywhere:

    /usr/bin/python3 scripts/reference/weighting_loss_golden.py [--check]

Each method is written here from its paper and the way the authors' / LibMTL's code computes it
(torch + autograd, float64), independently of the Java classes:

  ls          sum_i w_i l_i                          (FAMO / Nash-MTL repos' LinearScalarization,
                                                      LibMTL's EW when w = 1)
  scaleinvls  sum_i w_i log(l_i + eps)               (FAMO / Nash-MTL repos' SI-LS take log(l_i),
                                                      i.e. eps = 0; meta4j's default eps is 1e-8)
  rlw         sum_i softmax(d)_i l_i, d ~ N(0, 1)    (Lin et al. 2022; LibMTL RLW, dist='Normal');
                                                      the draws d are given here
  dwa         sum_i w_i l_i, w = K softmax(r / T),   (Liu, Johns & Davison 2019; LibMTL DWA):
              r_k = Lbar_k(e-1) / Lbar_k(e-2)         Lbar = per-epoch mean of the step losses
                                                      (LibMTL's train_loss_buffer), w = 1 in
                                                      epochs 0 and 1
  uw          sum_i l_i / (2 exp(s_i)) + s_i / 2     (Kendall et al. 2018; LibMTL UW, same value
                                                      as the FAMO repo's 0.5 (exp(-s) l + s));
                                                      s = log-variances, given per step
  famo        FAMO (Liu et al. 2023), the repo's class: z = softmax(w),
              D = l - l* + 1e-8, c = sum(z / D) detached, objective sum(log(D) z / c);
              update: delta = log(D_before) - log(D_after),
              w.grad = autograd.grad(softmax(w), w, grad_outputs=delta),
              torch.optim.Adam([w], lr=w_lr, weight_decay=gamma).step()

Every step records: objective, grad_losses (d objective / d l by autograd), weights (what the
method logs: ls/rlw/dwa the weights w, scaleinvls the effective weights d objective / d l,
uw 1 / (2 exp(s)) as LibMTL returns, famo z = softmax(w) before the update), plus
grad_log_variances (uw) and logits_after (famo, w after the Adam step).

Inputs cover K = 2, 3 and 5 and degenerate losses: a zero loss, two identical losses and
losses of very different scales. The "config" of a case is the HOCON override the Java test
passes to the plugin.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

DT = torch.float64
EPS_FAMO = 1e-8  # the FAMO repo's constant

K2 = [0.7, 2.3]
K3 = [1.2, 0.05, 3.4]
K5 = [0.9, 1.7, 0.3, 2.2, 5.1]
ZERO = [0.0, 1.0, 2.5]
EQUAL = [1.5, 1.5, 0.4]
SCALES = [1e-6, 1.0, 1e6]


def t(values):
    return torch.tensor(values, dtype=DT)


def leaf(values):
    return torch.tensor(values, dtype=DT, requires_grad=True)


def grad_of(objective, x):
    g, = torch.autograd.grad(objective, x)
    return g


def floats(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().tolist()
    if isinstance(x, list):
        return [float(v) for v in x]
    return float(x)


def check_finite(case):
    for step in case["steps"]:
        for key, value in step.items():
            vals = value if isinstance(value, list) else [value]
            for v in vals:
                if isinstance(v, float) and not math.isfinite(v):
                    raise SystemExit(f"{case['method']}/{case['name']}: {key} is not finite: {v}")


# ---------------------------------------------------------------------------------------- ls

def ls_case(name, losses, weights=None):
    k = len(losses)
    w = t([1.0] * k) if weights is None else t(weights)
    l = leaf(losses)
    obj = torch.sum(l * w)
    step = {"epoch": 0, "losses": losses, "objective": floats(obj), "grad_losses": floats(grad_of(obj, l)),
            "weights": floats(w)}
    config = "" if weights is None else "weights = " + json.dumps(weights)
    return {"method": "ls", "name": name, "config": config, "steps": [step]}


# -------------------------------------------------------------------------------- scaleinvls

def scaleinvls_case(name, losses, eps, weights=None):
    k = len(losses)
    w = t([1.0] * k) if weights is None else t(weights)
    l = leaf(losses)
    if eps == 0:
        obj = torch.sum(torch.log(l) * w)  # exactly the repos' ScaleInvariantLinearScalarization
    else:
        obj = torch.sum(torch.log(l + eps) * w)
    g = grad_of(obj, l)
    step = {"epoch": 0, "losses": losses, "objective": floats(obj), "grad_losses": floats(g),
            "weights": floats(g)}
    config = [f"eps = {eps!r}"]
    if weights is not None:
        config.append("weights = " + json.dumps(weights))
    return {"method": "scaleinvls", "name": name, "config": ", ".join(config), "steps": [step]}


# --------------------------------------------------------------------------------------- rlw

def rlw_case(name, steps):
    """steps: list of (losses, draws)."""
    out = []
    for losses, draws in steps:
        weight = F.softmax(t(draws), dim=-1)  # LibMTL: F.softmax(Normal(0, 1).sample(), dim=-1)
        l = leaf(losses)
        obj = torch.mul(l, weight).sum()
        out.append({"epoch": 0, "losses": losses, "draws": draws, "objective": floats(obj),
                    "grad_losses": floats(grad_of(obj, l)), "weights": floats(weight)})
    return {"method": "rlw", "name": name, "config": "", "steps": out}


# --------------------------------------------------------------------------------------- dwa

def dwa_case(name, epochs, temperature=2.0):
    """epochs: list (one per epoch) of lists of step losses. LibMTL's DWA: the trainer stores the
    epoch's mean training loss of each task in train_loss_buffer[:, epoch]."""
    k = len(epochs[0][0])
    buffer = torch.zeros(k, len(epochs), dtype=DT)
    out = []
    for epoch, steps in enumerate(epochs):
        for losses in steps:
            l = leaf(losses)
            if epoch > 1:
                w_i = buffer[:, epoch - 1] / buffer[:, epoch - 2]
                batch_weight = k * F.softmax(w_i / temperature, dim=-1)
            else:
                batch_weight = torch.ones(k, dtype=DT)
            obj = torch.mul(l, batch_weight).sum()
            out.append({"epoch": epoch, "losses": losses, "objective": floats(obj),
                        "grad_losses": floats(grad_of(obj, l)), "weights": floats(batch_weight)})
        buffer[:, epoch] = t(steps).mean(dim=0)
    config = "" if temperature == 2.0 else f"temperature = {temperature!r}"
    return {"method": "dwa", "name": name, "config": config, "steps": out}


# ---------------------------------------------------------------------------------------- uw

def uw_case(name, steps):
    """steps: list of (losses, log_variances)."""
    out = []
    k = len(steps[0][0])
    for losses, log_var in steps:
        l = leaf(losses)
        s = leaf(log_var)
        # LibMTL UW.backward
        obj = (l / (2 * s.exp()) + s / 2).sum()
        # the FAMO / Nash-MTL repos' Uncertainty.get_weighted_loss: the same number
        famo_form = sum(0.5 * (torch.exp(-ls) * li + ls) for li, ls in zip(l, s))
        assert abs(obj.item() - famo_form.item()) <= 1e-12 * max(1.0, abs(obj.item())), (obj, famo_form)
        g_l, g_s = torch.autograd.grad(obj, [l, s])
        weights = 1 / (2 * torch.exp(s.detach()))  # what LibMTL returns
        out.append({"epoch": 0, "losses": losses, "log_variances": log_var, "objective": floats(obj),
                    "grad_losses": floats(g_l), "grad_log_variances": floats(g_s),
                    "weights": floats(weights)})
    return {"method": "uw", "name": name, "config": f"tasks = {k}", "steps": out}


# -------------------------------------------------------------------------------------- famo

class FamoRepo:
    """The FAMO repo's class (methods/weight_methods.py), float64."""

    def __init__(self, n_tasks, gamma, w_lr, min_losses=None):
        self.min_losses = torch.zeros(n_tasks, dtype=DT) if min_losses is None else t(min_losses)
        self.w = torch.tensor([0.0] * n_tasks, dtype=DT, requires_grad=True)
        self.w_opt = torch.optim.Adam([self.w], lr=w_lr, weight_decay=gamma)

    def get_weighted_loss(self, losses):
        self.prev_loss = losses
        z = F.softmax(self.w, -1)
        D = losses - self.min_losses + EPS_FAMO
        c = (z / D).sum().detach()
        loss = (D.log() * z / c).sum()
        return loss, z

    def update(self, curr_loss):
        delta = (self.prev_loss - self.min_losses + EPS_FAMO).log() - \
                (curr_loss - self.min_losses + EPS_FAMO).log()
        with torch.enable_grad():
            d = torch.autograd.grad(F.softmax(self.w, -1), self.w, grad_outputs=delta.detach())[0]
        self.w_opt.zero_grad()
        self.w.grad = d
        self.w_opt.step()


def famo_case(name, steps, gamma=0.01, w_lr=0.025, min_losses=None):
    """steps: list of (losses before the model step, losses after it)."""
    k = len(steps[0][0])
    famo = FamoRepo(k, gamma, w_lr, min_losses)
    out = []
    for before, after in steps:
        l = leaf(before)
        obj, z = famo.get_weighted_loss(l)
        # the model's gradient: only the losses carry gradient here (z is a constant for the model)
        g_l = grad_of(obj, l)
        famo.update(t(after))
        out.append({"epoch": 0, "losses": before, "losses_after": after, "objective": floats(obj),
                    "grad_losses": floats(g_l), "weights": floats(z),
                    "logits_after": floats(famo.w)})
    config = []
    if gamma != 0.01:
        config.append(f"gamma = {gamma!r}")
    if w_lr != 0.025:
        config.append(f"w-lr = {w_lr!r}")
    if min_losses is not None:
        config.append("min-losses = " + json.dumps(min_losses))
    return {"method": "famo", "name": name, "config": ", ".join(config), "steps": out}


def famo_sequence(start, n, rates, seed):
    """A deterministic sequence of (before, after) pairs: each task's loss shrinks by its own rate
    per step, with a little noise, and the next step's loss is a fresh batch near the last one."""
    g = torch.Generator().manual_seed(seed)
    cur = t(start)
    r = t(rates)
    pairs = []
    for _ in range(n):
        after = cur * (1 - r) * (1 + 0.02 * torch.randn(len(start), generator=g, dtype=DT))
        pairs.append((floats(cur), floats(after)))
        cur = after * (1 + 0.05 * torch.randn(len(start), generator=g, dtype=DT))
    return pairs


# -------------------------------------------------------------------------------------- main

def build():
    cases = []
    # ls
    cases.append(ls_case("k2", K2))
    cases.append(ls_case("k3-weights", K3, [0.5, 2.0, 1.0]))
    cases.append(ls_case("k5", K5))
    cases.append(ls_case("zero-loss", ZERO))
    cases.append(ls_case("equal-losses", EQUAL))
    cases.append(ls_case("scales", SCALES, [3.0, 1.0, 0.25]))
    # scaleinvls
    cases.append(scaleinvls_case("k2-repo", K2, 0.0))
    cases.append(scaleinvls_case("k3-default-eps", K3, 1e-8))
    cases.append(scaleinvls_case("k5-repo-weights", K5, 0.0, [1.0, 0.5, 2.0, 1.0, 3.0]))
    cases.append(scaleinvls_case("zero-loss", ZERO, 1e-8))
    cases.append(scaleinvls_case("equal-losses", EQUAL, 1e-8))
    cases.append(scaleinvls_case("scales-repo", SCALES, 0.0))
    cases.append(scaleinvls_case("scales-default-eps", SCALES, 1e-8))
    # rlw
    cases.append(rlw_case("k2", [(K2, [0.3, -1.1]), ([0.6, 2.0], [1.7, 0.2]), ([0.5, 1.9], [-0.4, -0.45])]))
    cases.append(rlw_case("k3", [(K3, [0.1, 2.2, -0.7]), ([1.1, 0.04, 3.0], [-1.3, 0.0, 0.9])]))
    cases.append(rlw_case("k5", [(K5, [0.5, -0.2, 1.4, -2.1, 0.03]), (K5, [-0.9, 0.8, 0.0, 0.6, -1.5])]))
    cases.append(rlw_case("degenerate", [(ZERO, [0.0, 0.0, 0.0]), (EQUAL, [40.0, -40.0, 0.0]),
                                         (SCALES, [1.0, 1.0, -3.0])]))
    # dwa
    cases.append(dwa_case("k2", [
        [[1.0, 2.0], [0.9, 1.8]],
        [[0.8, 1.9], [0.7, 1.7], [0.75, 1.6]],
        [[0.6, 1.5], [0.55, 1.45]],
        [[0.5, 1.4], [0.45, 1.2]],
        [[0.4, 1.1]],
    ]))
    cases.append(dwa_case("k3-zero-equal-scales", [
        [[1e-6, 1.0, 1e6], [0.0, 1.0, 9e5]],
        [[2e-6, 1.0, 5e5], [0.0, 1.0, 4e5]],
        [[1e-6, 1.0, 1e5], [3e-6, 1.0, 1e5]],
        [[0.0, 1.0, 2e5]],
    ]))
    cases.append(dwa_case("k5-temperature-1", [
        [K5, [1.0, 1.5, 0.35, 2.0, 5.0]],
        [[0.8, 1.6, 0.2, 2.1, 4.0], [0.7, 1.5, 0.25, 2.0, 3.5]],
        [[0.6, 1.4, 0.2, 2.0, 3.0]],
        [[0.5, 1.3, 0.15, 1.9, 2.5], [0.45, 1.2, 0.1, 1.9, 2.0]],
    ], temperature=1.0))
    # uw
    cases.append(uw_case("k2", [(K2, [0.0, 0.0]), (K2, [0.3, -0.2]), ([0.6, 2.0], [0.5, 0.6])]))
    cases.append(uw_case("k3", [(K3, [-0.5, -0.5, -0.5]), (K3, [0.2, -3.0, 1.2])]))
    cases.append(uw_case("k5", [(K5, [0.0, 0.1, -0.1, 0.7, 1.6])]))
    cases.append(uw_case("degenerate", [(ZERO, [0.0, 0.0, 0.0]), (EQUAL, [0.4, 0.4, -0.9]),
                                        (SCALES, [-13.8, 0.0, 13.8]), (SCALES, [-20.0, 30.0, 0.0])]))
    # famo
    cases.append(famo_case("k2", famo_sequence([0.7, 2.3], 6, [0.05, 0.01], 1)))
    cases.append(famo_case("k3", famo_sequence([1.2, 0.05, 3.4], 6, [0.02, 0.08, 0.03], 2)))
    cases.append(famo_case("k5", famo_sequence(K5, 5, [0.01, 0.03, 0.05, 0.0, 0.02], 3)))
    cases.append(famo_case("degenerate", [
        (ZERO, [0.0, 0.9, 2.6]),           # a zero loss that stays zero: delta 0
        ([0.0, 0.8, 2.4], [0.5, 0.8, 2.3]),  # a zero loss that rises: delta = log(1e-8) - log(0.5)
        (EQUAL, [1.4, 1.4, 0.41]),         # two identical losses
        (SCALES, [5e-7, 1.0, 2e6]),        # very different scales, one rising
        (SCALES, SCALES),                  # no change: delta 0, only weight decay moves w
    ]))
    cases.append(famo_case("k3-min-losses", famo_sequence([1.2, 0.6, 3.4], 4, [0.05, 0.02, 0.04], 4),
                           min_losses=[0.1, 0.0, 0.5]))
    cases.append(famo_case("k2-gamma-lr", famo_sequence([0.7, 2.3], 5, [0.08, 0.01], 5), gamma=0.001, w_lr=0.1))
    for c in cases:
        check_finite(c)
    return cases


def dumps(doc):
    """JSON with one line per step, so that a diff of the golden file reads step by step. Floats are
    written with repr (shortest round-trip form), so the Java side reads back the exact doubles."""
    head = {k: v for k, v in doc.items() if k != "cases"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    lines.append(' "cases": [')
    for i, case in enumerate(doc["cases"]):
        meta = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in case.items() if k != "steps")
        lines.append(f"  {{{meta}, \"steps\": [")
        steps = case["steps"]
        for j, step in enumerate(steps):
            lines.append("   " + json.dumps(step) + ("," if j < len(steps) - 1 else ""))
        lines.append("  ]}" + ("," if i < len(doc["cases"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == doc
    return text


def main(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    default_out = os.path.join(root, "plugins-weighting", "src", "test", "resources", "golden", "loss-based.json")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=default_out, help="where to write the JSON")
    p.add_argument("--check", action="store_true", help="recompute and compare with --out instead of writing")
    args = p.parse_args(argv)
    torch.set_default_dtype(DT)
    cases = build()
    doc = {
        "generator": "scripts/reference/weighting_loss_golden.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "cases": cases,
    }
    text = dumps(doc)
    if args.check:
        with open(args.out) as f:
            same = f.read() == text
        print(f"{args.out}: {'identical' if same else 'DIFFERS'}", file=sys.stderr)
        return 0 if same else 1
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    counts = {}
    for c in cases:
        counts[c["method"]] = counts.get(c["method"], 0) + 1
    print(f"wrote {args.out}: {len(cases)} cases {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

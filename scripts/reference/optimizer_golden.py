#!/usr/bin/env python3
"""Golden trajectories of meta4j's optimizers and schedules (PyTorch 1.13 and pytorch-optimizer).

Each optimizer case runs 50 steps in float64 on one fixed objective of four parameters:
  A [3, 4]  a quadratic with unequal curvatures plus a Rosenbrock-like coupling of rows 0 and 1;
  b [3]     log cosh around a target plus an L2 term;
  W [2, 5]  a function of each row's direction only (grad orthogonal to every row, the case where
            SGDP/AdamP project channel-wise);
  V [2, 3]  a function of the whole matrix's direction only (grad orthogonal to V as one vector,
            where they project layer-wise).
Gradients come from torch autograd. The learning rate changes mid-way (x0.3 from step 25) in all
cases but one, by writing param_group["lr"], as a schedule does, so that a rate per step is honoured
(AdaBound scales its final_lr by lr / base lr, so its bounds move too). The file holds the initial
parameters, the rate of every step and the parameters after every step.

Where they come from:
  sgd, adam (amsgrad), adamw, adamax and radam (variant torch): torch.optim of PyTorch 1.13;
  sgdw, sgdp, radam (variant pytorch-optimizer), adabound, adamp: pytorch-optimizer
  (jettify/pytorch-optimizer, package torch_optimizer), version 0.1.0, the one that
  AI-secure/multi-task-learning (Wang, Zhao & Li, ICML 2021) installed in June 2021; its HEAD
  (19c3e41, 0.3.0+) gives the same file (--check: difference 0).
  sgdw with decay = proportional (Loshchilov & Hutter's SGDW, w -= lr wd w before the step) is
  pytorch-optimizer's SGDW with weight_decay = 0 after that multiplication done here, because
  pytorch-optimizer's own SGDW subtracts the constant lr * wd from every weight instead (kept as
  meta4j's decay = constant and checked against it directly).
  pytorch-optimizer's RAdam computes in float32 (p.data.float()); for the float64 golden its step
  runs with Tensor.float patched to leave float64 tensors alone, so the rule is the same and only
  the precision differs.

pytorch-optimizer is not on PyPI here: pass a checkout of the repository (the folder that holds
torch_optimizer/), e.g.
  git --git-dir=/path/to/pytorch-optimizer.git archive v0.1.0 torch_optimizer | tar -x -C /tmp/topt
  python3 scripts/reference/optimizer_golden.py --torch-optimizer /tmp/topt [--check]
Only the five modules are imported (its __init__ needs pytorch_ranger). Never commit that code.

The schedule cases replay a fixed validation metric sequence through torch.optim.lr_scheduler.StepLR
and ReduceLROnPlateau (mode max as AI-secure/multi-task-learning uses it, and mode min, with
threshold, cooldown and min_lr) and record the rate factor after each observation.

Writes runtime/src/test/resources/golden/optimizers.json.
"""
import argparse
import json
import math
import os
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import golden_io  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "..", "runtime", "src", "test", "resources", "golden", "optimizers.json")
STEPS = 50
DROP_AT = 25
DROP = 0.3
# Every step at first, then every 5th: an error at any step carries into the later ones.
RECORDED = list(range(1, 11)) + list(range(15, STEPS + 1, 5))

# The objective's constants (the Java test writes the same numbers).
C_A = [[0.5, 1.0, 1.5, 2.0], [2.0, 0.7, 1.2, 0.9], [1.1, 1.7, 0.6, 1.3]]
T_A = [[0.3, -0.2, 0.5, 1.0], [-0.4, 0.8, 0.1, -0.6], [0.2, 0.0, -0.9, 0.7]]
S_B = [0.5, -1.0, 2.0]
U_W = [[1.0, -0.5, 0.25, 2.0, -1.0], [0.3, 0.8, -1.2, 0.4, 1.5]]
T_W = [0.9, -0.4]
U_V = [[0.6, -1.1, 0.4], [1.3, 0.2, -0.7]]
T_V = 0.8
INIT = {
    "A": [[1.0, -0.5, 0.2, 0.8], [0.4, 1.2, -0.3, 0.1], [-0.6, 0.9, 0.5, -1.1]],
    "b": [1.5, 0.3, -0.8],
    "W": [[0.8, 0.3, -0.5, 0.2, 0.6], [-0.4, 0.9, 0.7, -0.2, 0.1]],
    "V": [[0.5, 0.7, -0.3], [0.2, -0.9, 0.4]],
}
NAMES = ["A", "b", "W", "V"]


def objective(p):
    t = lambda x: torch.tensor(x, dtype=torch.float64)  # noqa: E731
    a, b, w, v = p["A"], p["b"], p["W"], p["V"]
    f = 0.5 * (t(C_A) * (a - t(T_A)) ** 2).sum() + 0.5 * ((a[1] - a[0] ** 2) ** 2).sum()
    f = f + torch.log(torch.cosh(b - t(S_B))).sum() + 0.1 * (b ** 2).sum()
    wn = w / w.norm(dim=1, keepdim=True)
    f = f + (((t(U_W) * wn).sum(dim=1) - t(T_W)) ** 2).sum()
    vn = v / v.norm()
    f = f + ((t(U_V) * vn).sum() - T_V) ** 2
    return f


def load_torch_optimizer(path):
    pkg = types.ModuleType("torch_optimizer")
    pkg.__path__ = [os.path.join(path, "torch_optimizer")]
    sys.modules["torch_optimizer"] = pkg
    from torch_optimizer.adabound import AdaBound
    from torch_optimizer.adamp import AdamP
    from torch_optimizer.radam import RAdam
    from torch_optimizer.sgdp import SGDP
    from torch_optimizer.sgdw import SGDW
    return {"SGDW": SGDW, "SGDP": SGDP, "RAdam": RAdam, "AdaBound": AdaBound, "AdamP": AdamP}


class Float64Kept:
    """Tensor.float() leaves float64 tensors as they are while active (pytorch-optimizer's RAdam)."""

    def __enter__(self):
        self.original = torch.Tensor.float
        original = self.original
        torch.Tensor.float = lambda x, *a, **k: x if x.dtype == torch.float64 else original(x, *a, **k)

    def __exit__(self, *exc):
        torch.Tensor.float = self.original


def run(make, base_lr, drop, pre_step=None, keep_float64=False, delta=0.1):
    params = {n: torch.tensor(INIT[n], dtype=torch.float64, requires_grad=True) for n in NAMES}
    opt = make([params[n] for n in NAMES], base_lr)
    lrs, traj = [], []
    margins = []
    fired = {}
    for step in range(STEPS):
        lr = base_lr * (DROP if drop and step >= DROP_AT else 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        for p in params.values():
            p.grad = None
        objective(params).backward()
        margins.append(projection_margin(params, delta, fired))
        if pre_step is not None:
            with torch.no_grad():
                pre_step(params, lr)
        if keep_float64:
            with Float64Kept():
                opt.step()
        else:
            opt.step()
        lrs.append(lr)
        if step + 1 in RECORDED:
            traj.append(dict({"step": step + 1}, **{n: params[n].detach().reshape(-1).tolist() for n in NAMES}))
    return lrs, traj, min(margins), fired


def projection_margin(params, delta, fired):
    """How far each matrix's SGDP/AdamP test is from its threshold (relative), so rounding cannot flip it."""
    worst = float("inf")
    for n in ["A", "W", "V"]:
        p, g = params[n].detach(), params[n].grad.detach()
        for kind, view in (("channel", lambda x: x.reshape(x.shape[0], -1)), ("layer", lambda x: x.reshape(1, -1))):
            x, y = view(g), view(p)
            cos = ((x * y).sum(dim=1).abs() / (x.norm(dim=1) + 1e-8) / (y.norm(dim=1) + 1e-8)).max().item()
            bound = delta / math.sqrt(y.shape[1])
            worst = min(worst, abs(cos - bound) / bound)
            if cos < bound:
                fired[n] = fired.get(n, kind)
                break
    return worst


def cases(topt):
    o = torch.optim
    sgdw_proportional_wd = 0.01

    def decay_before(wd):
        def f(params, lr):
            for p in params.values():
                p.mul_(1 - lr * wd)
        return f

    c = [
        # name, meta4j type, meta4j settings, factory(params, lr), base lr, drop, pre_step, keep_float64
        ("sgd-plain", "sgd", {}, lambda p, lr: o.SGD(p, lr=lr), 0.05, False, None, False),
        ("sgd-momentum-dampening-wd", "sgd", {"momentum": 0.9, "dampening": 0.1, "weight-decay": 0.01},
         lambda p, lr: o.SGD(p, lr=lr, momentum=0.9, dampening=0.1, weight_decay=0.01), 0.05, True, None, False),
        ("sgd-nesterov-wd", "sgd", {"momentum": 0.9, "nesterov": True, "weight-decay": 0.001},
         lambda p, lr: o.SGD(p, lr=lr, momentum=0.9, nesterov=True, weight_decay=0.001), 0.05, True, None, False),
        ("sgdw-proportional", "sgdw", {"momentum": 0.9, "weight-decay": sgdw_proportional_wd},
         lambda p, lr: topt["SGDW"](p, lr=lr, momentum=0.9), 0.05, True, decay_before(sgdw_proportional_wd), False),
        ("sgdw-constant-nesterov", "sgdw", {"momentum": 0.9, "nesterov": True, "weight-decay": 0.01, "decay": "constant"},
         lambda p, lr: topt["SGDW"](p, lr=lr, momentum=0.9, nesterov=True, weight_decay=0.01), 0.05, True, None, False),
        ("sgdw-dampening", "sgdw", {"momentum": 0.8, "dampening": 0.2},
         lambda p, lr: topt["SGDW"](p, lr=lr, momentum=0.8, dampening=0.2), 0.05, True, None, False),
        ("sgdp-momentum-wd", "sgdp", {"momentum": 0.9, "weight-decay": 0.01, "dampening": 0.1},
         lambda p, lr: topt["SGDP"](p, lr=lr, momentum=0.9, dampening=0.1, weight_decay=0.01), 0.05, True, None, False),
        ("sgdp-nesterov-wd", "sgdp", {"momentum": 0.9, "nesterov": True, "weight-decay": 0.001, "wd-ratio": 0.2},
         lambda p, lr: topt["SGDP"](p, lr=lr, momentum=0.9, nesterov=True, weight_decay=0.001, wd_ratio=0.2),
         0.05, True, None, False),
        ("adam", "adam", {}, lambda p, lr: o.Adam(p, lr=lr), 0.02, True, None, False),
        ("adam-wd-amsgrad", "adam", {"weight-decay": 0.01, "amsgrad": True, "beta1": 0.8, "beta2": 0.99},
         lambda p, lr: o.Adam(p, lr=lr, weight_decay=0.01, amsgrad=True, betas=(0.8, 0.99)), 0.02, True, None, False),
        ("adam-decoupled", "adam", {"weight-decay": 0.05, "decoupled": True},
         lambda p, lr: o.AdamW(p, lr=lr, weight_decay=0.05), 0.02, True, None, False),
        ("adamw", "adamw", {}, lambda p, lr: o.AdamW(p, lr=lr), 0.02, True, None, False),
        ("adamw-amsgrad", "adamw", {"amsgrad": True, "weight-decay": 0.1},
         lambda p, lr: o.AdamW(p, lr=lr, amsgrad=True, weight_decay=0.1), 0.02, True, None, False),
        ("adamax-wd", "adamax", {"weight-decay": 0.01},
         lambda p, lr: o.Adamax(p, lr=lr, weight_decay=0.01), 0.02, True, None, False),
        ("radam-pytorch-optimizer-wd", "radam", {"weight-decay": 0.01},
         lambda p, lr: topt["RAdam"](p, lr=lr, weight_decay=0.01), 0.02, True, None, True),
        ("radam-torch-wd", "radam", {"weight-decay": 0.01, "variant": "torch"},
         lambda p, lr: o.RAdam(p, lr=lr, weight_decay=0.01), 0.02, True, None, False),
        ("radam-fast-beta2", "radam", {"beta2": 0.9},
         lambda p, lr: topt["RAdam"](p, lr=lr, betas=(0.9, 0.9)), 0.02, True, None, True),
        ("adabound-wd", "adabound", {"weight-decay": 0.001, "final-lr": 0.05, "gamma": 0.01},
         lambda p, lr: topt["AdaBound"](p, lr=lr, weight_decay=0.001, final_lr=0.05, gamma=0.01), 0.02, True, None, False),
        ("adabound-amsbound", "adabound", {"amsbound": True},
         lambda p, lr: topt["AdaBound"](p, lr=lr, amsbound=True), 0.02, True, None, False),
        ("adamp-wd", "adamp", {"weight-decay": 0.01},
         lambda p, lr: topt["AdamP"](p, lr=lr, weight_decay=0.01), 0.02, True, None, False),
        ("adamp-nesterov-wd", "adamp", {"weight-decay": 0.05, "nesterov": True, "delta": 0.2, "wd-ratio": 0.5},
         lambda p, lr: topt["AdamP"](p, lr=lr, weight_decay=0.05, nesterov=True, delta=0.2, wd_ratio=0.5),
         0.02, True, None, False),
    ]
    return c


def optimizer_records(topt):
    out = []
    for name, kind, settings, make, lr, drop, pre, keep in cases(topt):
        lrs, traj, margin, fired = run(make, lr, drop, pre, keep, settings.get("delta", 0.1))
        out.append({"name": name, "type": kind, "settings": dict(settings, lr=lr), "lr": lrs,
                    "trajectory": traj, "projection_margin": margin, "projected": fired})
    return out


METRICS = [0.40, 0.42, 0.41, 0.42, 0.4201, 0.43, 0.43, 0.429, 0.428, 0.44, 0.43, 0.43, 0.43, 0.431, 0.45,
           0.45, 0.449, 0.45, 0.45, 0.45, 0.45, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46, 0.46]


def plateau_record(name, mode, metrics, **kw):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, **kw)
    factors = []
    for m in metrics:
        sched.step(m)
        factors.append(opt.param_groups[0]["lr"])
    return {"name": name, "mode": mode, "settings": kw, "metrics": metrics, "factors": factors}


def step_record(step_size, gamma, steps):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    factors = []
    for _ in range(steps):
        factors.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return {"name": f"step-{step_size}-{gamma}", "step_size": step_size, "gamma": gamma, "factors": factors}


def schedule_records():
    losses = [1.0 - m for m in METRICS]
    negative = [-1.0 - m for m in METRICS]
    return {
        "plateau": [
            plateau_record("max-defaults", "max", METRICS),
            plateau_record("max-multi-task-code", "max", METRICS, factor=0.1, patience=4),
            plateau_record("max-patience1-threshold", "max", METRICS, factor=0.5, patience=1, threshold=0.01),
            plateau_record("max-cooldown-minlr", "max", METRICS, factor=0.5, patience=1, cooldown=2, min_lr=0.1),
            plateau_record("min-patience2", "min", losses, factor=0.5, patience=2),
            plateau_record("max-negative-metric", "max", negative, factor=0.5, patience=1, threshold=0.01),
            plateau_record("min-abs-threshold", "min", losses, factor=0.5, patience=1, threshold=0.005,
                           threshold_mode="abs"),
        ],
        "step": [step_record(7, 0.5, 30), step_record(1, 0.9, 10)],
    }


def build(topt_path):
    topt = load_torch_optimizer(topt_path)
    return {"generator": "scripts/reference/optimizer_golden.py",
            "versions": {"torch": torch.__version__, "numpy": np.__version__, "torch_optimizer": "0.1.0"},
            "steps": STEPS, "objective": {"C_A": C_A, "T_A": T_A, "S_B": S_B, "U_W": U_W, "T_W": T_W, "U_V": U_V,
                                          "T_V": T_V},
            "init": {n: torch.tensor(INIT[n], dtype=torch.float64).reshape(-1).tolist() for n in NAMES},
            "shapes": {n: list(torch.tensor(INIT[n]).shape) for n in NAMES},
            "optimizers": optimizer_records(topt), "schedules": schedule_records()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--torch-optimizer", required=True, help="folder holding pytorch-optimizer's torch_optimizer/")
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true")
    args = p.parse_args(argv)
    import warnings
    warnings.simplefilter("ignore")
    data = build(args.torch_optimizer)
    if args.check:
        return golden_io.check(data, args.out, 1e-12)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    golden_io.write(data, args.out)
    for c in data["optimizers"]:
        last = c["trajectory"][-1]
        print(f"{c['name']:28s} A[0]={last['A'][0]: .6f} W[0]={last['W'][0]: .6f} "
              f"projection margin {c['projection_margin']:.2e} {c['projected']}")
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

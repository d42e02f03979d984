#!/usr/bin/env python3
"""Golden numbers for mtl's test-method = tune-all, written from the official code's meta_test.

The official multi-task-learning code (AI-secure/multi-task-learning, lightning_episodic_module.py,
method == 'tune-all') fine-tunes per test episode: features.eval(); normalised support features;
a Linear(D, ways) whose weight is sklearn's NearestCentroid centroids of those features and whose
bias is 0; one Adam over the encoder's and the classifier's parameters; test_steps steps of
cross-entropy on the normalised support features; then the queries' logits from the tuned
encoder and classifier. This script does exactly that, in float64, for a small ReLU MLP encoder
(meta4j's mlp: weights stored [in, out], x @ W + b) whose weights and episode are set by formula,
so the Java test builds the same ones. It records the query logits after 0, 1 and 10 steps at two
learning rates.

Writes plugins-algorithms/src/test/resources/golden/mtl-tune-all.json.

Regenerate:  /usr/bin/python3 scripts/reference/mtl_tune_all_golden.py  (--check to compare)
"""
import argparse
import math
import os
import sys

import torch

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-algorithms", "src", "test", "resources", "golden",
                           "mtl-tune-all.json")
INPUTS, HIDDEN, EMBED = 3, 5, 4
WAYS, SHOTS, QUERIES = 3, 2, 2


def formula(count, phase, scale):
    """The values both sides use: scale sin(2.3 (i + 1) + phase), i = 0..count-1."""
    return [scale * math.sin(2.3 * (i + 1) + phase) for i in range(count)]


def tensor(count, phase, scale, *shape):
    return torch.tensor(formula(count, phase, scale), dtype=torch.float64).reshape(*shape)


def encoder():
    """[layer0.weight [3, 5], layer0.bias [5], layer1.weight [5, 4], layer1.bias [4]]: phases 0-3,
    scale 0.8 for weights and 0.1 for biases."""
    shapes = [(INPUTS, HIDDEN), (HIDDEN,), (HIDDEN, EMBED), (EMBED,)]
    return [tensor(math.prod(s), k, 0.8 if len(s) == 2 else 0.1, *s).requires_grad_(True)
            for k, s in enumerate(shapes)]


def features(params, x):
    w0, b0, w1, b1 = params
    return torch.relu(x @ w0 + b0) @ w1 + b1


def normalize(x):
    # the official normalize(): x / |x| row by row
    return x.div(x.pow(2).sum(1, keepdim=True).pow(1. / 2))


def episode():
    xs = tensor(WAYS * SHOTS * INPUTS, 10, 1.5, WAYS * SHOTS, INPUTS)
    xq = tensor(WAYS * QUERIES * INPUTS, 20, 1.5, WAYS * QUERIES, INPUTS)
    ys = torch.arange(WAYS).repeat_interleave(SHOTS)
    yq = torch.arange(WAYS).repeat_interleave(QUERIES)
    return xs, ys, xq, yq


def tune_all(lr, steps):
    params = encoder()
    xs, ys, xq, yq = episode()
    with torch.no_grad():
        z = normalize(features(params, xs))
        centroids = torch.stack([z[ys == c].mean(0) for c in range(WAYS)])
    classifier = torch.nn.Linear(EMBED, WAYS).double()
    classifier.bias.data *= 0
    classifier.weight.data = centroids.clone()
    optim = torch.optim.Adam([{"params": params}, {"params": classifier.parameters(), "weight_decay": 0}], lr=lr)
    for _ in range(steps):
        optim.zero_grad()
        loss = torch.nn.functional.cross_entropy(classifier(normalize(features(params, xs))), ys)
        loss.backward()
        optim.step()
    with torch.no_grad():
        return classifier(normalize(features(params, xq))).tolist()


def compute():
    cases = []
    for lr in (0.001, 0.05):
        for steps in (0, 1, 10):
            cases.append({"lr": lr, "steps": steps, "query_logits": tune_all(lr, steps)})
    return {"versions": {"torch": torch.__version__},
            "inputs": INPUTS, "hidden": HIDDEN, "embedding": EMBED, "ways": WAYS, "shots": SHOTS,
            "queries": QUERIES, "cases": cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    data = compute()
    if args.check:
        sys.exit(golden_io.check(data, args.out, 1e-12))
    golden_io.write(data, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reference training-step cost of MTAN-SegNet on NYUv2-shaped batches, for four weighting methods.

Written from the paper (Liu, Johns & Davison 2019, "End-to-End Multi-Task Learning with
Attention", Fig. 2 and Sec. 3) and meta4j's own description of the model (MtanSegNet's javadoc),
so it is a peer in cost, not an independent check of correctness (the golden files of
MtanSegNetTest are that). Shapes as the FAMO/Nash-MTL NYUv2 runs: batch 2 of 3x288x384 images,
13-class segmentation (-1 ignored), depth (0 = invalid, masked) and normals; random data.

Model: a SegNet of five levels, filters [64, 128, 256, 512, 512]; encoder level j is a 3x3
conv-BN-ReLU block then 1 (levels 0, 1) or 2 more, 2x2 max-pooling with indices; the decoder
unpools with those indices, mirroring it. Each task has an attention stream: at encoder level j a
mask (1x1 conv, BN, ReLU, 1x1 conv, BN, sigmoid) of the level's first feature map (concatenated
with the stream) multiplies the level's output, then a shared 3x3 conv-BN-ReLU and max-pooling;
the decoder upsamples bilinearly (aligned corners), applies a shared 3x3 conv-BN-ReLU and a mask
of (unpooled map, that) multiplying the decoder block's output. Heads: 3x3 conv then 1x1 conv
(log-softmax for semantic, normalised for normals).

Methods (one optimiser step each, Adam lr 1e-4):
  ls      backward of the sum of the three losses.
  famo    FAMO: model loss sum_i c z_i log(l_i + eps) (c detached), then an extra forward without
          gradients on the same batch and the task logits' Adam step (lr 0.025, decay 0.001).
  pcgrad  one backward per task (shared parameters: everything but the heads' last layers),
          projections in random order, heads' own gradients.
  nashmtl one backward per task on the shared parameters, alpha solving (G G^T) alpha = 1/alpha
          (scipy least squares, positive alpha; the official code iterates cvxpy problems: its
          cost is noise next to a backward pass of this model), then backward of sum alpha_i l_i.
Prints seconds per step (median of --repeats timed steps after --warmup) per method, peak RSS,
and one JSON line (prefixed "JSON ").
"""
import argparse
import json
import platform
import random
import resource
import statistics
import time

import numpy as np
import scipy.optimize
import torch
import torch.nn as nn
import torch.nn.functional as F

TASKS = {"semantic": 13, "depth": 1, "normal": 3}


def conv_bn(i, o, k=3):
    return nn.Sequential(nn.Conv2d(i, o, k, padding=k // 2), nn.BatchNorm2d(o), nn.ReLU())


def attention(i, m, o):
    return nn.Sequential(nn.Conv2d(i, m, 1), nn.BatchNorm2d(m), nn.ReLU(),
                         nn.Conv2d(m, o, 1), nn.BatchNorm2d(o), nn.Sigmoid())


class Mtan(nn.Module):
    def __init__(self, filters):
        super().__init__()
        f, L = filters, len(filters)
        self.levels = L
        dec = [f[max(k - 1, 0)] for k in range(L)]
        self.enc = nn.ModuleList(conv_bn(3 if j == 0 else f[j - 1], f[j]) for j in range(L))
        self.enc_more = nn.ModuleList(nn.Sequential(*[conv_bn(f[j], f[j]) for _ in range(1 if j < 2 else 2)])
                                      for j in range(L))
        self.dec = nn.ModuleList(conv_bn(f[k], dec[k]) for k in range(L))
        self.dec_more = nn.ModuleList(nn.Sequential(*[conv_bn(dec[k], dec[k]) for _ in range(1 if k < 2 else 2)])
                                      for k in range(L))
        self.enc_att = nn.ModuleDict({t: nn.ModuleList(attention(f[j] if j == 0 else 2 * f[j], f[j], f[j])
                                                       for j in range(L)) for t in TASKS})
        self.dec_att = nn.ModuleDict({t: nn.ModuleList(attention(f[k] + dec[k], dec[k], dec[k])
                                                       for k in range(L)) for t in TASKS})
        self.enc_block_att = nn.ModuleList(conv_bn(f[j], f[min(j + 1, L - 1)]) for j in range(L))
        self.dec_block_att = nn.ModuleList(conv_bn(f[k], dec[k]) for k in range(L))
        self.heads = nn.ModuleDict({t: nn.Sequential(nn.Conv2d(f[0], f[0], 3, padding=1), nn.Conv2d(f[0], c, 1))
                                    for t, c in TASKS.items()})

    def shared_parameters(self):
        return [p for n, p in self.named_parameters() if not n.startswith("heads.")]

    def forward(self, x):
        enc_in, enc_out, ups, decs, idx = [], [], [], [], []
        h = x
        for j in range(self.levels):
            e0 = self.enc[j](h)
            e1 = self.enc_more[j](e0)
            h, i = F.max_pool2d(e1, 2, 2, return_indices=True)
            enc_in.append(e0), enc_out.append(e1), idx.append(i)
        for j in range(self.levels):
            k = self.levels - 1 - j
            u = F.max_unpool2d(h, idx[k], 2, 2)
            h = self.dec_more[k](self.dec[k](u))
            ups.append(u), decs.append(h)
        out = {}
        for t in TASKS:
            a = None
            for j in range(self.levels):
                inp = enc_in[0] if j == 0 else torch.cat([enc_in[j], a], 1)
                a = F.max_pool2d(self.enc_block_att[j](self.enc_att[t][j](inp) * enc_out[j]), 2, 2)
            for j in range(self.levels):
                k = self.levels - 1 - j
                u = self.dec_block_att[k](F.interpolate(a, scale_factor=2, mode="bilinear", align_corners=True))
                a = self.dec_att[t][k](torch.cat([ups[j], u], 1)) * decs[j]
            y = self.heads[t](a)
            out[t] = F.log_softmax(y, 1) if t == "semantic" else F.normalize(y, dim=1) if t == "normal" else y
        return out


def losses(pred, batch):
    label, depth, normal = batch[1], batch[2], batch[3]
    seg = F.nll_loss(pred["semantic"], label, ignore_index=-1)
    valid = (depth != 0).float()
    dep = (torch.abs(pred["depth"] - depth) * valid).sum() / valid.sum().clamp(min=1)
    nvalid = (normal.abs().sum(1, keepdim=True) != 0).float()
    nor = 1 - ((pred["normal"] * normal) * nvalid).sum() / (nvalid.sum() * 1).clamp(min=1)
    return torch.stack([seg, dep, nor])


def random_batch(gen, n, h, w):
    x = torch.randn(n, 3, h, w, generator=gen)
    label = torch.randint(-1, 13, (n, h, w), generator=gen)
    depth = torch.rand(n, 1, h, w, generator=gen) * (torch.rand(n, 1, h, w, generator=gen) > 0.1).float()
    normal = F.normalize(torch.randn(n, 3, h, w, generator=gen), dim=1)
    return x, label, depth, normal


class Runner:
    def __init__(self, method, args):
        torch.manual_seed(args.seed)
        self.method, self.args = method, args
        self.model = Mtan(args.filters)
        self.model.train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-4)
        self.shared = self.model.shared_parameters()
        self.heads = [p for n, p in self.model.named_parameters() if n.startswith("heads.")]
        self.w = torch.zeros(3, requires_grad=True)
        self.w_opt = torch.optim.Adam([self.w], lr=0.025, weight_decay=0.001)
        self.rng = random.Random(args.seed)

    def step(self, batch):
        m, model = self.method, self.model
        l = losses(model(batch[0]), batch)
        self.opt.zero_grad(set_to_none=True)
        if m == "ls":
            l.sum().backward()
        elif m == "famo":
            z = F.softmax(self.w, -1)
            d = l - 0 + 1e-8
            c = (z / d).sum().detach()
            (d.log() * z / c).sum().backward()
            self.opt.step()
            with torch.no_grad():
                l2 = losses(model(batch[0]), batch)
            delta = (l.detach() + 1e-8).log() - (l2 + 1e-8).log()
            self.w_opt.zero_grad()
            z = F.softmax(self.w, -1)
            self.w.grad = torch.autograd.grad(z, self.w, grad_outputs=delta.detach())[0]
            self.w_opt.step()
            return
        else:
            grads = []
            for i in range(3):
                g = torch.autograd.grad(l[i], self.shared, retain_graph=True, allow_unused=True)
                grads.append(torch.cat([(x if x is not None else torch.zeros_like(p)).reshape(-1)
                                        for x, p in zip(g, self.shared)]))
            G = torch.stack(grads)
            if m == "pcgrad":
                proj = G.clone()
                for i in range(3):
                    order = [j for j in range(3) if j != i]
                    self.rng.shuffle(order)
                    for j in order:
                        dot = proj[i] @ G[j]
                        if dot < 0:
                            proj[i] -= dot / (G[j] @ G[j]) * G[j]
                shared_grad = proj.sum(0)
                head_grads = torch.autograd.grad(l.sum(), self.heads)
                for p, g in zip(self.heads, head_grads):
                    p.grad = g
            else:  # nashmtl
                gtg = (G @ G.t()).double().numpy()
                gtg = gtg / np.linalg.norm(gtg)
                sol = scipy.optimize.least_squares(lambda a: gtg @ a - 1 / a, np.ones(3), bounds=(1e-6, np.inf))
                alpha = torch.tensor(sol.x, dtype=l.dtype)
                (alpha * l).sum().backward()
                self.opt.step()
                return
            offset = 0
            for p in self.shared:
                p.grad = shared_grad[offset:offset + p.numel()].view_as(p)
                offset += p.numel()
        self.opt.step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", default="ls,famo,nashmtl,pcgrad")
    ap.add_argument("--height", type=int, default=288)
    ap.add_argument("--width", type=int, default=384)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--filters", type=lambda s: [int(v) for v in s.split(",")], default=[64, 128, 256, 512, 512])
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    batch = random_batch(torch.Generator().manual_seed(args.seed), args.batch, args.height, args.width)
    result = {"benchmark": "mtan_segnet", "torch": torch.__version__, "python": platform.python_version(),
              "threads": args.threads, "batch": args.batch, "height": args.height, "width": args.width,
              "filters": args.filters, "s_per_step": {}}
    for method in args.methods.split(","):
        runner = Runner(method, args)
        times = []
        for s in range(args.warmup + args.repeats):
            t0 = time.perf_counter()
            runner.step(batch)
            if s >= args.warmup:
                times.append(time.perf_counter() - t0)
        result["s_per_step"][method] = statistics.median(times)
        print(f"{method:8s} {statistics.median(times):8.3f} s/step  steps {['%.3f' % t for t in times]}", flush=True)
        del runner
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {result['peak_rss_mb']:.0f} MB")
    print("JSON " + json.dumps(result))


if __name__ == "__main__":
    main()

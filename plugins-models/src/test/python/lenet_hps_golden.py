#!/usr/bin/python3
"""Golden numbers for LeNetHpsTest: the reference LeNet of mtl_weighting.py, run by PyTorch.

Imports MultiTaskNet from the team's reference script (conv 5x5 1->10, max-pool 2, ReLU, conv 5x5
10->20, max-pool 2, ReLU, flatten, linear 720->50, ReLU; one linear head 50->10 per task), sets
every parameter from an exact integer formula that the Java test repeats, runs a float64 forward
on a small batch of 1x36x36 inputs and writes the state_dict's names and shapes, the inputs' rule,
the representation and the logits of both heads as text. No randomness, so the file is
reproducible; the Java test needs neither Python nor the reference script.

  value(param j, flat index i) = ((i * 7919 + j * 104729) % 2001 - 1000) / 1000 / sqrt(fan_in)
  input(flat index i)          = ((i * 37 + 11) % 256) / 255

Run: /usr/bin/python3 lenet_hps_golden.py --reference /work/shared/reference > ../resources/dev/meta4j/models/lenet-hps-golden.txt
"""
import argparse
import math
import sys

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", default="/work/shared/reference", help="folder of mtl_weighting.py")
    p.add_argument("--batch", type=int, default=3)
    a = p.parse_args()
    sys.path.insert(0, a.reference)
    from mtl_weighting import MultiTaskNet  # noqa: E402  (the reference model itself)

    torch.set_default_dtype(torch.float64)
    net = MultiTaskNet(36, 2).double()
    print("# golden numbers of the reference LeNet (mtl_weighting.py), torch %s, float64" % torch.__version__)
    print("# param <j> <name> <shape>: state_dict order; value = ((i*7919 + j*104729) % 2001 - 1000) / 1000 / sqrt(fan_in)")
    with torch.no_grad():
        for j, (name, t) in enumerate(net.state_dict().items()):
            fan_in = t.shape[1] * (t[0][0].numel() if t.dim() > 2 else 1) if t.dim() > 1 else None
            if fan_in is None:  # a bias: fan_in of the weight just before it
                fan_in = prev_fan_in
            prev_fan_in = fan_in
            i = torch.arange(t.numel(), dtype=torch.int64)
            v = ((i * 7919 + j * 104729) % 2001 - 1000).double() / 1000.0 / math.sqrt(fan_in)
            t.copy_(v.reshape(t.shape))
            print("param %d %s %s" % (j, name, ",".join(str(s) for s in t.shape)))
        n = a.batch
        x = (((torch.arange(n * 36 * 36, dtype=torch.int64) * 37 + 11) % 256).double() / 255.0).reshape(n, 1, 36, 36)
        z = net.encoder(x)
        outs = net(x)
    print("# input [%d,1,36,36]: value = ((i*37 + 11) %% 256) / 255" % n)
    print("batch %d" % n)
    print("representation " + " ".join(repr(float(v)) for v in z.flatten()))
    for k, o in enumerate(outs):
        print("logits %d %s" % (k, " ".join(repr(float(v)) for v in o.flatten())))


if __name__ == "__main__":
    main()

"""The wrong input gradient of float32 channels-first CPU convolutions, in PyTorch terms.

For each shape: relative max error against float64 of the float32 forward pass, input gradient and
weight gradient, channels-first and channels-last, optionally under libc10's junk fill (every new
CPU allocation is the NaN 0x7fedbeef until written). Run with the PyTorch under test; on this
project's machines Debian's PyTorch 1.13 (oneDNN 2.6.3) is correct, while libtorch 2.5.1 and 2.7.1
(oneDNN 3.x, through DJL; see ConvBackwardRepro.java) are not.

    python3 scripts/diagnostics/conv_backward_repro.py [--junk-fill]
"""
import ctypes
import os
import sys

import torch

SHAPES = [(8, 10, 14, 20, 5), (8, 10, 14, 16, 5), (8, 10, 14, 32, 5), (8, 1, 36, 10, 9), (8, 64, 16, 13, 3)]


def errors(n, c, hw, o, k, channels_last):
    g = torch.Generator().manual_seed(1)
    x64 = (torch.rand(n, c, hw, hw, generator=g, dtype=torch.float64) * 2 - 1).float().double()
    w64 = (torch.rand(o, c, k, k, generator=g, dtype=torch.float64) * 0.2 - 0.1).float().double()
    res = []
    for t in (torch.float64, torch.float32):
        x = x64.to(t).clone()
        w = w64.to(t).clone()
        if channels_last and t == torch.float32:
            x = x.contiguous(memory_format=torch.channels_last)
            w = w.contiguous(memory_format=torch.channels_last)
        x.requires_grad_()
        w.requires_grad_()
        y = torch.conv2d(x, w)
        (y * y).sum().backward()
        res.append((y.double(), x.grad.double(), w.grad.double()))
    return [((a - b).abs().max() / a.abs().max()).item() for a, b in zip(res[0], res[1])]


def main():
    torch.set_num_threads(1)
    if "--junk-fill" in sys.argv:
        try:
            lib = ctypes.CDLL("libc10.so", mode=ctypes.RTLD_GLOBAL)
            ctypes.c_bool.in_dll(lib, "FLAGS_caffe2_cpu_allocator_do_junk_fill").value = True
        except (OSError, ValueError) as e:
            sys.exit("this PyTorch's libc10 does not export the junk-fill flag (%s); run without --junk-fill" % e)
    print("torch", torch.__version__, "|", [l.strip() for l in torch.__config__.show().splitlines() if "DNN" in l])
    for shape in SHAPES:
        for cl in (False, True):
            e = errors(*shape, channels_last=cl)
            print("%-18s %-14s forward %.2g  input grad %.2g  weight grad %.2g"
                  % ("x".join(map(str, shape)), "channels-last" if cl else "channels-first", *e))


if __name__ == "__main__":
    main()

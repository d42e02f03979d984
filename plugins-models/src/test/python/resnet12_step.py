"""Times MetaOptNet's ResNet-12 on the batch of ResNet12Benchmark: 100 images 3x84x84, float32, CPU.

    python3 resnet12_step.py METAOPTNET_CHECKOUT [THREADS] [STEPS]

One forward + backward (training mode, drop_rate 0.1, DropBlock 5) of the sum of the embedding
against fixed weights, and one evaluation-mode forward; median and best over STEPS after a warm-up.
Its DropBlock calls .cuda(): on a CPU the masks are made where it asks for them to be, so that
line is patched to stay on the CPU (the arithmetic is theirs).
"""
import sys
import time

import torch

sys.path.insert(0, sys.argv[1])
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
torch.set_num_threads(threads)
torch.Tensor.cuda = lambda self, *a, **k: self  # their DropBlock moves its masks to the GPU
from models.ResNet12_embedding import resnet12  # noqa: E402

torch.manual_seed(0)
net = resnet12(avg_pool=False, drop_rate=0.1, dropblock_size=5)
x = torch.rand(100, 3, 84, 84)
r = torch.rand(100, 16000) * 2 - 1
params = list(net.parameters())


def step():
    net.train()
    g = torch.autograd.grad((net(x) * r).sum(), params)
    return g[0][0, 0, 0, 0].item()


def forward():
    net.eval()
    with torch.no_grad():
        return net(x)[0, 0].item()


def timed(f):
    f()
    s = []
    for _ in range(steps):
        t0 = time.perf_counter()
        f()
        s.append(time.perf_counter() - t0)
    s.sort()
    return 'median %.2f, best %.2f' % (s[len(s) // 2], s[0])


print('metaoptnet resnet12 (torch %s), 100 x 3x84x84, %d thread(s): forward+backward s/step %s; forward (eval) s %s'
      % (torch.__version__, threads, timed(step), timed(forward)))

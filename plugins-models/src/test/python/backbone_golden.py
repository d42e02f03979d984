"""Writes resnet12-golden.txt and wrn-golden.txt (ResNet12Test, WideResNetTest): tiny instances built from the official code.

Not run by the build. To regenerate (PyTorch 1.13 float64 on the CPU; Debian's python3-torch serves):

    python3 backbone_golden.py METAOPTNET_CHECKOUT S2M2_CHECKOUT OUT_DIR

with kjunelee/MetaOptNet at 19601591da8090734e2e69113c9510831da5528a and nupurkmr9/S2M2_fewshot at
50b1c1b11103b64bcc256db19fe672d4a8274fd1. The weights, inputs and loss weights are closed formulas of
the tensor's position and the element's index (both sides compute them), so a file holds only the
names and shapes of the parameters, the outputs, the running statistics, gradient checksums and one
Hessian-vector product.
"""
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
mo, s2m2, out_dir = sys.argv[1:4]
sys.path.insert(0, mo)
sys.path.insert(0, s2m2)
from models.ResNet12_embedding import BasicBlock as ResBlock, ResNet  # noqa: E402
import wrn_mixup_model  # noqa: E402


def base(j, i):
    return math.sin(0.7 * i + 1.3 * j + 0.1)


def fill(named):
    """Parameter j (in order), element i: BackboneChecks.Golden.formula."""
    for j, (name, p) in enumerate(named):
        flat = torch.tensor([base(j, i) for i in range(p.numel())])
        if p.dim() == 4:
            flat = flat * 1.5 / math.sqrt(p.shape[1] * p.shape[2] * p.shape[3])
        elif name.endswith('weight'):
            flat = 1 + 0.2 * flat
        else:
            flat = 0.2 * flat
        with torch.no_grad():
            p.copy_(flat.view_as(p))


def seq(n, f):
    return torch.tensor([f(i) for i in range(n)])


def write(path, model, names, shape, forward):
    """names: meta4j names of the parameters in model.named_parameters() order; buffers by the same map."""
    params = list(model.named_parameters())
    assert len(params) == len(names), (len(params), len(names))
    fill(params)
    rename = dict(zip([n for n, _ in params], names))
    n = shape[0] * shape[1] * shape[2] * shape[3]
    x = seq(n, lambda i: math.sin(0.31 * i + 0.2)).view(*shape)
    model.train()
    y = forward(model, x)
    r = seq(y.numel(), lambda i: math.cos(0.13 * i)).view_as(y)
    grads = torch.autograd.grad((y * r).sum(), [p for _, p in params], create_graph=True)
    # u'Hv over the concatenated parameters: the double backward (what second-order MAML needs).
    total = sum(p.numel() for _, p in params)
    u = seq(total, lambda k: math.sin(0.23 * k + 0.3))
    v = seq(total, lambda k: math.cos(0.19 * k + 0.7))
    ug = sum((g.flatten() * part).sum() for g, part in zip(grads, torch.split(u, [p.numel() for _, p in params])))
    hvp = float(sum((h.flatten() * part).sum() for h, part in
                    zip(torch.autograd.grad(ug, [p for _, p in params]), torch.split(v, [p.numel() for _, p in params]))))
    grads = [g.detach() for g in grads]
    lines = ['# ' + path.split('/')[-1] + ': written by src/test/python/backbone_golden.py; do not edit']
    for (name, p) in params:
        lines.append('param %s %s' % (rename[name], ','.join(str(d) for d in p.shape)))
    lines.append('input ' + ','.join(str(d) for d in shape))
    lines.append('train-output ' + ' '.join(repr(v) for v in y.detach().flatten().tolist()))
    for (name, p), g in zip(params, grads):
        s = seq(g.numel(), lambda i: math.sin(0.17 * i + 0.5))
        lines.append('grad %s %r %r' % (rename[name], float((g.flatten() * s).sum()), float((g * g).sum())))
    lines.append('hvp %r' % hvp)
    for name, b in model.named_buffers():
        if name.endswith('num_batches_tracked'):
            continue
        stem, kind = name.rsplit('.', 1)
        mine = rename[stem + '.weight'].rsplit('.', 1)[0] + ('.running-mean' if kind == 'running_mean' else '.running-var')
        lines.append('buffer %s %s' % (mine, ' '.join(repr(v) for v in b.flatten().tolist())))
    model.eval()
    with torch.no_grad():
        lines.append('eval-output ' + ' '.join(repr(v) for v in forward(model, x).flatten().tolist()))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


# ResNet-12, channels (2, 3, 4, 5), no dropout (the masks' generators differ), no average pooling.
res = ResNet(ResBlock, drop_rate=0.0)
res.inplanes = 3
res.layer1 = res._make_layer(ResBlock, 2, stride=2)
res.layer2 = res._make_layer(ResBlock, 3, stride=2)
res.layer3 = res._make_layer(ResBlock, 4, stride=2, drop_block=True, block_size=2)
res.layer4 = res._make_layer(ResBlock, 5, stride=2, drop_block=True, block_size=2)
res_names = []
for b in range(1, 5):
    s = 'encoder.block%d.' % b
    for k in range(1, 4):
        res_names += [s + 'conv%d.weight' % k, s + 'bn%d.weight' % k, s + 'bn%d.bias' % k]
    res_names += [s + 'shortcut.conv.weight', s + 'shortcut.bn.weight', s + 'shortcut.bn.bias']
write(out_dir + '/resnet12-golden.txt', res, res_names, (4, 3, 32, 32), lambda m, x: m(x))

# WRN-16-1 (two blocks a group, so both shortcut kinds), no dropout; the embedding (S2M2's first output).
wrn = wrn_mixup_model.WideResNet(depth=16, widen_factor=1, num_classes=2, loss_type='softmax', dropRate=0.0)
del wrn.linear
wrn_names = ['encoder.stem.weight']
for g in range(1, 4):
    for b in range(1, 3):
        s = 'encoder.group%d.block%d.' % (g, b)
        wrn_names += [s + 'bn1.weight', s + 'bn1.bias', s + 'conv1.weight', s + 'bn2.weight', s + 'bn2.bias',
                      s + 'conv2.weight']
        if b == 1 and g > 1:
            wrn_names.append(s + 'shortcut.weight')
wrn_names += ['encoder.bn.weight', 'encoder.bn.bias']


def wrn_embedding(m, x):
    out = m.block3(m.block2(m.block1(m.conv1(x))))
    out = m.relu(m.bn1(out))
    return torch.nn.functional.avg_pool2d(out, out.size()[2:]).view(out.size(0), -1)


write(out_dir + '/wrn-golden.txt', wrn, wrn_names, (4, 3, 16, 16), wrn_embedding)

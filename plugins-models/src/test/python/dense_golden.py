"""Writes the golden files of the dense-model tests (MtanSegNetTest, SegNetSplitTest, CelebaCnnTest,
Qm9MpnnTest) into OUT_DIR: tiny instances of the official FAMO models, and a sparse edge-list
reference of the QM9 network written here from PyTorch Geometric's definitions.

Not run by the build. To regenerate (PyTorch 1.13 float64 on the CPU; Debian's python3-torch serves):

    python3 dense_golden.py FAMO_CHECKOUT OUT_DIR

with Cranial-XIX/FAMO at 0a6ad06dbdd55fce73ec01e3a175c2498cd1e5e9. The SegNets are that repository's
experiments/nyuv2/models.py loaded unchanged but for its filter list (replaced by a small one as the
file is read, so the tests stay cheap); the CelebA network is experiments/celeba/models.py as it is.
dense-counts.txt has PyTorch's parameter counts of the full-size models (NYUv2 and Cityscapes
SegNets, CelebA, and the QM9 reference at width 64). PyTorch Geometric is not needed: the QM9 reference below builds NNConv's per-edge weights and mean
aggregation over an explicit edge list, the GRU and LSTM steps with torch.nn.GRUCell/LSTMCell, and
Set2Set's softmax molecule by molecule, so it checks the dense Java formulation against an
independent one. Weights, inputs and loss weights are closed formulas of a tensor's position and
an element's index (both sides compute them); a file holds names, shapes, counts and checksums.
"""
import importlib.util
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
famo, out_dir = sys.argv[1:3]


def load(path, replace=None):
    src = open(path).read()
    for old, new, count in replace or []:
        assert src.count(old) == count, (path, old, src.count(old))
        src = src.replace(old, new)
    spec = importlib.util.spec_from_loader('m' + str(abs(hash(path))), loader=None)
    mod = importlib.util.module_from_spec(spec)
    exec(compile(src, path, 'exec'), mod.__dict__)
    return mod


def base(j, i):
    return math.sin(0.7 * i + 1.3 * j + 0.1)


def fill(params):
    """Parameter j (in order), element i: DenseGolden.value on the Java side."""
    for j, (name, p) in enumerate(params):
        flat = torch.tensor([base(j, i) for i in range(p.numel())])
        if p.dim() >= 2:
            flat = flat * 1.5 / math.sqrt(p[0].numel())
        elif name.endswith('weight'):
            flat = 1 + 0.2 * flat
        else:
            flat = 0.2 * flat
        with torch.no_grad():
            p.copy_(flat.view_as(p))


def seq(n, f):
    return torch.tensor([f(i) for i in range(n)])


def image(shape):
    n = 1
    for s in shape:
        n *= s
    return seq(n, lambda i: math.sin(0.31 * i + 0.2)).view(*shape)


def loss_weights(t, y):
    return seq(y.numel(), lambda i: math.cos(0.13 * i + 0.7 * t)).view_as(y)


def checksum(a):
    a = a.detach().reshape(-1)
    w = seq(a.numel(), lambda i: math.cos(0.37 * i))
    return '%.17g %.17g' % (a.sum().item(), (a * w).sum().item())


def shape(p):
    return ','.join(str(s) for s in p.shape)


def write(path, lines):
    with open(out_dir + '/' + path, 'w') as f:
        f.write('# ' + path + ': written by src/test/python/dense_golden.py; do not edit\n')
        f.write('\n'.join(lines) + '\n')


def golden(path, params, names, buffers, forward, tasks, x, model):
    """params: the official named_parameters (in order), names: meta4j's, aligned; buffers: (official, meta4j)."""
    assert len(params) == len(names), (len(params), len(names))
    fill(params)
    lines = ['param %s %s' % (n, shape(p)) for n, (_, p) in zip(names, params)]
    model.train()
    ys = forward(x)
    loss = sum((y * loss_weights(t, y)).sum() for t, y in enumerate(ys))
    grads = torch.autograd.grad(loss, [p for _, p in params])
    for name, y in zip(tasks, ys):
        lines.append('train %s %s %s' % (name, shape(y), checksum(y)))
    for n, g in zip(names, grads):
        lines.append('grad %s %s' % (n, checksum(g)))
    for official, mine in buffers:
        lines.append('buffer %s %s' % (mine, checksum(dict(model.named_buffers())[official])))
    model.eval()
    with torch.no_grad():
        for name, y in zip(tasks, forward(x)):
            lines.append('eval %s %s %s' % (name, shape(y), checksum(y)))
    write(path, lines)


def bn_buffers(model, rename):
    """(official buffer, meta4j buffer) of every batch norm, from the names of its weights."""
    out = []
    for name, _ in model.named_buffers():
        if name.endswith('num_batches_tracked'):
            continue
        stem = name.rsplit('.', 1)[0]
        mine = rename[stem + '.weight'][:-len('.weight')]
        out.append((name, mine + ('.running-mean' if name.endswith('running_mean') else '.running-var')))
    return out


# ---- SegNets: meta4j's names, in the order of the official modules' named_parameters ----

def conv_bn(stem):
    return [stem + '.conv.weight', stem + '.conv.bias', stem + '.bn.weight', stem + '.bn.bias']


def attention(stem):
    return [stem + s for s in ('.conv1.weight', '.conv1.bias', '.bn1.weight', '.bn1.bias',
                               '.conv2.weight', '.conv2.bias', '.bn2.weight', '.bn2.bias')]


def trunk_names(levels):
    names = []
    for j in range(levels):
        names += conv_bn('encoder.encoder_block.%d' % j)
    for k in range(levels):
        names += conv_bn('encoder.decoder_block.%d' % k)
    for module in ('conv_block_enc', 'conv_block_dec'):
        for j in range(levels):
            for c in range(1 if j < 2 else 2):
                names += conv_bn('encoder.%s.%d.%d' % (module, j, c))
    return names


def head_names(tasks):
    names = []
    for t in tasks:
        names += ['head.%s.conv1.weight' % t, 'head.%s.conv1.bias' % t, 'head.%s.conv2.weight' % t,
                  'head.%s.conv2.bias' % t]
    return names


def mtan_names(levels, tasks):
    names = trunk_names(levels)
    for t in tasks:
        for j in range(levels):
            names += attention('encoder.encoder_att.%s.%d' % (t, j))
    for t in tasks:
        for k in range(levels):
            names += attention('encoder.decoder_att.%s.%d' % (t, k))
    for j in range(levels):
        names += conv_bn('encoder.encoder_block_att.%d' % j)
    for k in range(levels):
        names += conv_bn('encoder.decoder_block_att.%d' % k)
    return names + head_names(tasks)


TASKS = ['semantic', 'depth', 'normal']
FULL = '[64, 128, 256, 512, 512]'
TINY = '[4, 6, 8, 10, 10]'
nyu = famo + '/experiments/nyuv2/models.py'
tiny = load(nyu, [(FULL, TINY, 2)])
full = load(nyu)
counts = []
for label, make, names in [('mtan-segnet', lambda m: m.SegNetMtan(), mtan_names(5, TASKS)),
                           ('segnet-split', lambda m: m.SegNet(), trunk_names(5) + head_names(TASKS))]:
    model = make(tiny)
    params = list(model.named_parameters())
    rename = dict(zip([n for n, _ in params], names))
    x = image((2, 3, 32, 64))
    golden(label + '-golden.txt', params, names, bn_buffers(model, rename),
           lambda v, model=model: model(v), TASKS, x, model)
    big = make(full)
    counts.append('%s params %d buffers %d shared %d' % (label, sum(p.numel() for p in big.parameters()),
                  sum(b.numel() for n, b in big.named_buffers() if not n.endswith('num_batches_tracked')),
                  sum(p.numel() for p in big.shared_parameters())))

city = load(famo + '/experiments/cityscapes/models.py')
for label, big in [('mtan-segnet cityscapes', city.SegNetMtan()), ('segnet-split cityscapes', city.SegNet())]:
    counts.append('%s params %d buffers %d shared %d' % (label, sum(p.numel() for p in big.parameters()),
                  sum(b.numel() for n, b in big.named_buffers() if not n.endswith('num_batches_tracked')),
                  sum(p.numel() for p in big.shared_parameters())))

# ---- CelebA: the official network at its widths, on 16x16 images; logits (its sigmoid left out) ----

celeba = load(famo + '/experiments/celeba/models.py').Network()
names = []
conv = 0
linear = 0
for name, p in celeba.named_parameters():
    if not name.startswith('shared_base'):
        continue
    if p.dim() == 4:
        conv += 1
        names.append('encoder.conv%d.weight' % conv)
    elif p.dim() == 2:
        linear += 1
        names.append('encoder.fc%d.weight' % linear)
    else:
        stem = 'encoder.bn%d' % conv if linear == 0 else 'encoder.fc%d-bn' % linear
        names.append(stem + ('.weight' if name.endswith('weight') else '.bias'))
attrs = ['a%d' % t for t in range(40)]
for t in attrs:
    names += ['head.%s.weight' % t, 'head.%s.bias' % t]
params = list(celeba.named_parameters())
rename = dict(zip([n for n, _ in params], names))


def celeba_logits(v):
    h = celeba.shared_base(v)
    return [layer(h) for layer in celeba.out_layer]


golden('celeba-cnn-golden.txt', params, names, bn_buffers(celeba, rename), celeba_logits, attrs,
       image((4, 3, 16, 16)), celeba)
counts.append('celeba-cnn params %d buffers %d shared %d' % (
    sum(p.numel() for p in celeba.parameters()),
    sum(b.numel() for n, b in celeba.named_buffers() if not n.endswith('num_batches_tracked')),
    sum(p.numel() for p in celeba.shared_parameters())))


# ---- QM9: a sparse reference of NNConv(aggr=mean) + GRU, Set2Set, lin1, heads ----

class Mpnn(torch.nn.Module):
    def __init__(self, f, e, dim, hidden, tasks):
        super().__init__()
        self.dim = dim
        self.lin0 = torch.nn.Linear(f, dim)
        self.nn0 = torch.nn.Linear(e, hidden)
        self.nn2 = torch.nn.Linear(hidden, dim * dim)
        self.root = torch.nn.Parameter(torch.zeros(dim, dim))   # [out, in], as torch.nn.Linear
        self.bias = torch.nn.Parameter(torch.zeros(dim))
        self.gru = torch.nn.GRUCell(dim, dim)
        self.lstm = torch.nn.LSTMCell(2 * dim, dim)
        self.lin1 = torch.nn.Linear(2 * dim, dim)
        self.heads = torch.nn.ModuleList([torch.nn.Linear(dim, 1) for _ in range(tasks)])

    def names(self, tasks):
        n = ['encoder.lin0.weight', 'encoder.lin0.bias', 'encoder.conv.nn.0.weight', 'encoder.conv.nn.0.bias',
             'encoder.conv.nn.2.weight', 'encoder.conv.nn.2.bias', 'encoder.conv.root.weight', 'encoder.conv.bias']
        n += ['encoder.gru.' + s for s in ('weight-ih', 'weight-hh', 'bias-ih', 'bias-hh')]
        n += ['encoder.set2set.lstm.' + s for s in ('weight-ih', 'weight-hh', 'bias-ih', 'bias-hh')]
        n += ['encoder.lin1.weight', 'encoder.lin1.bias']
        for t in tasks:
            n += ['head.%s.weight' % t, 'head.%s.bias' % t]
        return n

    def forward(self, atoms, edges, molecules, iterations=3, steps=3):
        """atoms [A, F]; edges: list of (source j, target i, attr [E]); molecules: list of atom-index lists."""
        src = torch.tensor([s for s, _, _ in edges])
        dst = torch.tensor([d for _, d, _ in edges])
        attr = torch.stack([a for _, _, a in edges])
        theta = self.nn2(torch.relu(self.nn0(attr))).view(-1, self.dim, self.dim)
        degree = torch.zeros(atoms.shape[0]).index_add_(0, dst, torch.ones(len(edges)))
        out = torch.relu(self.lin0(atoms))
        h = out
        for _ in range(iterations):
            messages = torch.matmul(out[src].unsqueeze(1), theta).squeeze(1)
            summed = torch.zeros_like(out).index_add_(0, dst, messages)
            conv = summed / degree.clamp(min=1).unsqueeze(1) + out @ self.root.t() + self.bias
            h = self.gru(torch.relu(conv), h)
            out = h
        q_star = torch.zeros(len(molecules), 2 * self.dim)
        hc = (torch.zeros(len(molecules), self.dim), torch.zeros(len(molecules), self.dim))
        for _ in range(steps):
            hc = self.lstm(q_star, hc)
            q = hc[0]
            reads = []
            for n, members in enumerate(molecules):
                x = out[members]
                a = torch.softmax(x @ q[n], dim=0)
                reads.append((a.unsqueeze(1) * x).sum(0))
            q_star = torch.cat([q, torch.stack(reads)], dim=1)
        features = torch.relu(self.lin1(q_star))
        return [head(features) for head in self.heads]


F, E, M = 3, 2, 5
slots = [[0, 1], [0, 1, 2, 3], [0, 2, 4]]          # molecule 2's atoms sit in slots 0, 2 and 4
dense = torch.zeros(len(slots), M, 1 + F + E * M)
atoms, edges, molecules = [], [], []
for n, members in enumerate(slots):
    index = {}
    for s in members:
        index[s] = len(atoms)
        feat = torch.tensor([math.sin(0.5 * s + 0.3 * f + 1.1 * n) for f in range(F)])
        atoms.append(feat)
        dense[n, s, 0] = 1
        dense[n, s, 1:1 + F] = feat
    molecules.append([index[s] for s in members])
    for i in members:
        for j in members:
            if i != j:
                a = torch.tensor([math.cos(0.4 * i + 0.9 * j + 0.2 * e + n) for e in range(E)])
                dense[n, i, 1 + F + E * j:1 + F + E * (j + 1)] = a
                edges.append((index[j], index[i], a))   # j sends to i along e_ij
atoms = torch.stack(atoms)
qm9_tasks = ['t0', 't1']
net = Mpnn(F, E, 4, 6, len(qm9_tasks))
# meta4j's order (named_parameters() would put the directly held root and bias first).
params = [(n, p) for n, p in [('lin0.weight', net.lin0.weight), ('lin0.bias', net.lin0.bias),
                              ('nn0.weight', net.nn0.weight), ('nn0.bias', net.nn0.bias),
                              ('nn2.weight', net.nn2.weight), ('nn2.bias', net.nn2.bias),
                              ('root', net.root), ('bias', net.bias)]]
params += [('gru.' + n, p) for n, p in net.gru.named_parameters()]
params += [('lstm.' + n, p) for n, p in net.lstm.named_parameters()]
params += [('lin1.' + n, p) for n, p in net.lin1.named_parameters()]
params += [('heads.' + n, p) for n, p in net.heads.named_parameters()]
assert len(params) == len(list(net.parameters()))
lines = ['input %s %s' % (shape(dense), ' '.join('%.17g' % v for v in dense.reshape(-1).tolist()))]
qm9_names = net.names(qm9_tasks)
fill(params)
lines += ['param %s %s' % (n, shape(p)) for n, (_, p) in zip(qm9_names, params)]
ys = net(atoms, edges, molecules)
loss = sum((y * loss_weights(t, y)).sum() for t, y in enumerate(ys))
grads = torch.autograd.grad(loss, [p for _, p in params])
for name, y in zip(qm9_tasks, ys):
    lines.append('train %s %s %s' % (name, shape(y), checksum(y)))
for n, g in zip(qm9_names, grads):
    lines.append('grad %s %s' % (n, checksum(g)))
write('qm9-mpnn-golden.txt', lines)
big = Mpnn(11, 5, 64, 128, 11)
counts.append('qm9-mpnn params %d buffers 0 shared %d' % (
    sum(p.numel() for p in big.parameters()), sum(p.numel() for n, p in big.named_parameters() if 'heads' not in n)))
write('dense-counts.txt', counts)

#!/usr/bin/env python3
"""Golden values for the few-shot image datasets' tests (plugins-datasets), from PIL and numpy.

Writes, under plugins-datasets/src/test/resources/dev/meta4j/datasets/:
  fewshot-golden.json   PIL's Lanczos resize and ImageEnhance blends on images defined by formulas
                        that the Java tests recompute (LanczosResizeTest, Lee19AugmentationTest)
  numpy-<tag>.pkl       tiny numpy pickles of each protocol (NumpyPicklesTest)

Run with a Python that has Pillow and numpy (Debian: python3-pil, python3-numpy; made with Pillow 9.4,
numpy 1.24 for the numpy.core pickles and numpy 2.x for the numpy._core ones):
  /usr/bin/python3 scripts/reference/fewshot_golden.py [--pickles-only]
"""
import json
import os
import pickle
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'plugins-datasets', 'src', 'test', 'resources',
                   'dev', 'meta4j', 'datasets')


def glyph():
    """A 105x105 Omniglot-like drawing: black strokes (0) on white (255)."""
    a = np.full((105, 105), 255, np.uint8)
    for y in range(105):
        for x in range(105):
            r2 = (x - 52) ** 2 + (y - 40) ** 2
            if 22 ** 2 <= r2 < 30 ** 2 or abs(x - y) < 3 or (80 < y < 86 and 10 < x < 95):
                a[y, x] = 0
    return a


def colour(w, h):
    return np.array([[[(x * 37 + y * 11 + c * 71 + x * y) % 256 for c in range(3)] for x in range(w)]
                     for y in range(h)], np.uint8)


def pickles():
    tag = 'np' + np.__version__.split('.')[0]
    data = np.arange(3 * 4 * 5 * 3, dtype=np.uint8).reshape(3, 4, 5, 3)
    obj = {'image_data': data, 'class_dict': {'n02': [1], 'n01': [0, 2]},
           'labels': np.array([7, -3, 2 ** 40], dtype=np.int64), 'small': np.array([1, 2, 3], dtype='>i2')}
    for proto in (2, 4, 5):
        with open(os.path.join(OUT, 'numpy-%s-p%d.pkl' % (tag, proto)), 'wb') as f:
            pickle.dump(obj, f, protocol=proto)


def main():
    os.makedirs(OUT, exist_ok=True)
    pickles()
    if '--pickles-only' in sys.argv:
        return
    from PIL import Image, ImageEnhance
    golden = {}
    g = Image.fromarray(glyph(), 'L')
    golden['glyph28'] = np.asarray(g.resize((28, 28), Image.LANCZOS)).flatten().tolist()
    c = Image.fromarray(colour(50, 37), 'RGB')
    golden['colour84'] = np.asarray(c.resize((84, 84), Image.LANCZOS)).flatten().tolist()
    golden['colour20x16'] = np.asarray(c.resize((20, 16), Image.LANCZOS)).flatten().tolist()
    small = Image.fromarray(colour(8, 6), 'RGB')
    for name, enh in (('brightness', ImageEnhance.Brightness), ('contrast', ImageEnhance.Contrast),
                      ('saturation', ImageEnhance.Color)):
        for f in (0.65, 1.35):
            golden['%s-%.2f' % (name, f)] = np.asarray(enh(small).enhance(f)).flatten().tolist()
    with open(os.path.join(OUT, 'fewshot-golden.json'), 'w') as f:
        json.dump(golden, f)


if __name__ == '__main__':
    main()

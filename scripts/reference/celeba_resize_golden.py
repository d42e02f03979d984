#!/usr/bin/env python3
"""Pillow's resize and JPEG decoding, for meta4j's CelebA reader (plugins-datasets).

The FAMO CelebA loader resizes each face with torchvision's transforms.Resize((64, 64)), which on
a PIL image is Image.resize((64, 64), Image.BILINEAR). Cases:

- resize: RGB images (uint8) of several sizes, including CelebA's 178x218, whose pixels are the
  integer hash ((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256 (so the Java test makes
  the same image without storing it), and Pillow's BILINEAR resize of each (to 64x64, an
  upscale, a mixed shape, one axis only); the Java resize must give exactly these bytes.
- jpeg: a smooth 64x48 RGB image saved by Pillow as a JPEG (quality 90, 4:2:0 subsampling, as
  CelebA's files), its bytes base64-encoded, and the pixels Pillow decodes from them; the JDK's
  decoder may differ by a few levels, and the test bounds by how much.

Writes plugins-datasets/src/test/resources/golden/celeba-pillow.json.
Regenerate:  /usr/bin/python3 scripts/reference/celeba_resize_golden.py  [--check]
             (needs Pillow and numpy: Debian's python3-pil, python3-numpy)
"""
import argparse
import base64
import io
import os
import sys

import numpy as np
import PIL
from PIL import Image

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-datasets", "src", "test", "resources", "golden",
                           "celeba-pillow.json")


def hashed(w, h):
    y, x, c = np.mgrid[0:h, 0:w, 0:3].astype(np.int64)
    return (((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256).astype(np.uint8)


def resize_case(name, w, h, out_w, out_h):
    resized = np.asarray(Image.fromarray(hashed(w, h), "RGB").resize((out_w, out_h), Image.BILINEAR))
    return {"name": name, "width": w, "height": h, "out_width": out_w, "out_height": out_h,
            "resized": base64.b64encode(resized.tobytes()).decode("ascii")}


def jpeg_case():
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([128 + 100 * np.sin(x / 17.0), 128 + 90 * np.cos(y / 23.0), (x + 2 * y) % 256], axis=-1)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=90, subsampling="4:2:0")
    decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return {"name": "jpeg-64x48", "width": w, "height": h,
            "jpeg": base64.b64encode(buf.getvalue()).decode("ascii"),
            "decoded": base64.b64encode(decoded.tobytes()).decode("ascii")}


def data():
    resize = [
        resize_case("celeba-178x218-to-64", 178, 218, 64, 64),
        resize_case("upscale-12x10-to-64", 12, 10, 64, 64),
        resize_case("mixed-13x7-to-5x9", 13, 7, 5, 9),
        resize_case("width-only-20x8-to-7x8", 20, 8, 7, 8),
        resize_case("height-only-6x30-to-6x11", 6, 30, 6, 11),
    ]
    return {"generator": "scripts/reference/celeba_resize_golden.py",
            "versions": {"Pillow": PIL.__version__, "numpy": np.__version__},
            "resize": resize, "jpeg": [jpeg_case()]}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    d = data()
    if a.check:
        sys.exit(golden_io.check(d, a.out, 0.0))
    golden_io.write(d, a.out)
    print("wrote", os.path.normpath(a.out))


if __name__ == "__main__":
    main()

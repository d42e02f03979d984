#!/usr/bin/env python3
"""NPY files written by NumPy itself, for meta4j's NpyFile reader (plugins-datasets).

Each case is the exact bytes of a file that NumPy writes (np.save, or np.lib.format.write_array
with an explicit format version), base64-encoded, with either the values and shape the reader
must return (C order, as float64) or a fragment of the error it must give. The cases cover the
format versions 1.0, 2.0 and 3.0 (3.0: a UTF-8 field name in a structured dtype is what forces
it in NumPy; here it is written explicitly), every supported dtype, 0-d, 1-d, empty and 3-d
shapes, and the inputs that must be refused: Fortran order, big-endian, pickled objects, float16,
a structured dtype.

Writes plugins-datasets/src/test/resources/golden/npy-numpy.json.
Regenerate:  /usr/bin/python3 scripts/reference/npy_golden.py  [--check]   (needs numpy)
"""
import argparse
import base64
import io
import json
import os
import sys

import numpy as np

import golden_io

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "plugins-datasets", "src", "test", "resources", "golden",
                           "npy-numpy.json")


def encoded(array, version=None, allow_pickle=False):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array, allow_pickle=allow_pickle)
    else:
        np.lib.format.write_array(buf, array, version=version, allow_pickle=allow_pickle)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def good(name, array, version=None):
    flat = np.ascontiguousarray(array).reshape(-1).astype(np.float64)
    return {"name": name, "npy": encoded(array, version), "shape": list(array.shape),
            "descr": np.lib.format.dtype_to_descr(array.dtype), "values": [float(v) for v in flat]}


def bad(name, array, error, version=None, allow_pickle=False):
    return {"name": name, "npy": encoded(array, version, allow_pickle), "error": error}


def cases():
    rs = np.random.RandomState(10)
    image = rs.rand(2, 3, 3).astype(np.float32)
    out = [
        good("f4-3d-v1", image, (1, 0)),
        good("f4-3d-v2", image, (2, 0)),
        good("f4-3d-v3", image, (3, 0)),
        good("f8-2d", rs.randn(3, 4)),
        good("i8-labels", np.array([[-1, 0, 12], [3, -1, 7]], dtype=np.int64)),
        good("i4", np.array([-2147483648, 2147483647, 0, -1], dtype=np.int32)),
        good("u1", np.array([[0, 255], [17, 128]], dtype=np.uint8)),
        good("b1", np.array([True, False, True])),
        good("0-d", np.float32(2.5).reshape(())),
        good("empty", np.zeros((0, 3), dtype=np.float32)),
        good("1-d-fortran-is-c", np.asfortranarray(np.arange(5, dtype=np.float64))),
        bad("fortran", np.asfortranarray(rs.rand(3, 2).astype(np.float32)), "Fortran order"),
        bad("big-endian", np.arange(4, dtype=">f4"), "big-endian"),
        bad("pickled", np.array([{"a": 1}, None], dtype=object), "pickled", allow_pickle=True),
        bad("float16", np.zeros(3, dtype=np.float16), "'<f2' is not supported"),
        bad("structured", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]), "structured"),
    ]
    return out


def data():
    return {"generator": "scripts/reference/npy_golden.py", "versions": {"numpy": np.__version__},
            "cases": cases()}


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

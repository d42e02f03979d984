"""What the golden scripts share: the one-record-per-line JSON they write, and --check."""
import json


def to_json(data):
    """One line per record, so that a regenerated file diffs record by record."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            body = ",\n".join("  " + json.dumps(v) for v in value)
            parts.append(f" {json.dumps(key)}: [\n{body}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def max_diff(a, b):
    """The largest absolute difference between two JSON values of the same shape (inf if they differ)."""
    if isinstance(a, dict):
        return max([max_diff(a[k], b[k]) for k in a] + [0.0])
    if isinstance(a, list):
        return max([max_diff(x, y) for x, y in zip(a, b)] + [0.0 if len(a) == len(b) else float("inf")])
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        return abs(a - b)
    return 0.0 if a == b else float("inf")


def check(data, path, tolerance):
    """Compares freshly computed data with the file at path, ignoring "versions"; returns an exit code."""
    with open(path) as f:
        old = json.load(f)
    old.pop("versions", None)
    new = json.loads(json.dumps(data))
    new.pop("versions", None)
    diff = max_diff(old, new)
    print(f"max abs difference to {path}: {diff:.3e}")
    return 0 if diff < tolerance else 1


def write(data, path):
    with open(path, "w") as f:
        f.write(to_json(data))

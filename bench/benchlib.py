"""Shared plumbing of the benchmark drivers: run a command, pick its JSON line, summarise rounds."""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# META4J_BIN: another distribution's launcher (an unpacked copy keeps a long bench safe from a rebuild).
META4J = os.environ.get("META4J_BIN") or os.path.join(ROOT, "distribution", "target", "meta4j", "bin", "meta4j")
PYTHON = "/usr/bin/python3"


def json_lines(cmd):
    """Runs a command; returns every JSON object it printed on a line starting with 'JSON '."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return [json.loads(line[5:]) for line in p.stdout.splitlines() if line.startswith("JSON ")]


def median(values):
    return statistics.median(values) if values else float("nan")


def spread(values):
    return f"{min(values):.1f}–{max(values):.1f}" if values else "–"


def machine():
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"

#!/usr/bin/env python
"""Benchmark the lesson model: build time, and ``explain`` with a cold and a warm proof cache.

Usage: ``make bench`` or ``.venv/bin/python scripts/bench_mathcore.py [--repeat 3] [--depths 20]``

For the default lesson and generated lessons (sigmoid, tanh and ReLU; wide networks from 3-3-2 to
5-5-5-5-5, the other chains at the largest sizes a lesson file may have), it reports the model's
build time (in this process, imports done) and the wall time of ``python -m mathcore explain``
in a fresh process, first with an empty proof cache (cold), then with the cache that run left
(warm). Generated lessons and caches live in a temporary folder. Medians of ``--repeat`` runs;
the machines are shared and noisy, so compare figures from one run with each other (no
threshold is asserted here or in the tests). Last, how the symbolic chain-rule proof's time
grows with chain depth.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sympy.core.cache import clear_cache

from mathcore.beats import build_model
from mathcore.lessonfile import DEFAULT_LESSON, load_lesson
from mathcore.symbolic import SymbolicNetwork

# (activation, wide network sizes); every generated lesson also has a 5-layer worked chain, a
# 5-layer chain with 8 examples, a 12-layer deep chain and 4 decimals: the largest allowed.
LESSONS = [
    ("sigmoid", (3, 3, 2)),
    ("tanh", (2, 4, 3)),
    ("relu", (4, 2, 3, 2)),
    ("sigmoid", (5, 5, 5, 5, 5)),
    ("tanh", (5, 5, 5, 5, 5)),
    ("relu", (5, 5, 5, 5, 5)),
]


def median_time(fn: Callable[[], object], repeat: int, clear: bool = True) -> float:
    """Median wall time of ``fn``, each run starting with sympy's cache empty (no free reuse)."""
    times = []
    for _ in range(repeat):
        if clear:
            clear_cache()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _network(rng: random.Random, sizes: tuple[int, ...], examples: int, activation: str | None) -> str:
    """One network section's body: weights, biases, inputs and targets drawn from ``rng``."""
    def number() -> float:
        return round(rng.uniform(-1.5, 1.5), 2)

    L = len(sizes) - 1
    weights = [[[number() for _ in range(sizes[l - 1])] for _ in range(sizes[l])] for l in range(1, L + 1)]
    biases = [[number() for _ in range(sizes[l])] for l in range(1, L + 1)]
    inputs = [[number() for _ in range(sizes[0])] for _ in range(examples)]
    targets = [[round(rng.uniform(0, 1), 2) for _ in range(sizes[-1])] for _ in range(examples)]
    lines = [f'activation = "{activation}"'] if activation else []
    lines += [f"weights = {weights}"] + ([f"biases = {biases}"] if activation else [])
    lines += [f"inputs = {inputs}", f"targets = {targets}"]
    return "\n".join(lines) + "\n"


def lesson_text(activation: str, wide: tuple[int, ...], seed: int = 1) -> str:
    """The default lesson file with every network replaced: ``activation``, ``wide`` and the largest chains."""
    rng = random.Random(seed)
    sections = {
        "worked_chain": _network(rng, (1,) * 6, 1, None) + "nudge = 0.01\n",
        "sigmoid_chain": _network(rng, (1,) * 6, 8, activation) + "nudges = [0.1, 0.01, 0.001]\n",
        "deep_chain": _network(rng, (1,) * 13, 1, activation),
        "wide_network": _network(rng, wide, 8, activation) + "learning_rate = 0.5\n",
    }
    text = DEFAULT_LESSON.read_text()
    text = re.sub(r"(?m)^decimals = \d+", "decimals = 4", text)
    text = re.sub(r'(?m)^name = ".*"', f'name = "bench-{activation}-{"-".join(map(str, wide))}"', text)
    for name, body in sections.items():
        # A section runs from its header to the next comment line or header.
        text = re.sub(rf"(?ms)^\[{name}\]\n.*?(?=^#|^\[|\Z)", f"[{name}]\n{body}\n", text)
    return text


def explain_time(lesson: Path, cache: Path) -> tuple[float, str]:
    """Wall time of ``python -m mathcore explain lesson`` in a fresh process, and how its checks went."""
    env = os.environ | {"BACKPROP_LESSON_CACHE": str(cache)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mathcore", "explain", str(lesson)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        return seconds, "ok"
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    return seconds, (errors[-1] if errors else f"exit {done.returncode}").removeprefix("error: ")


def bench_explain(repeat: int) -> None:
    print("explain (fresh process; cold: empty proof cache, warm: the cache the cold run left)")
    print(f"{'lesson':<28} {'equations':>9} {'build s':>8} {'cold s':>7} {'warm s':>7} {'cold/warm':>9}  checks")
    with tempfile.TemporaryDirectory(prefix="bench-mathcore-") as tmp:
        folder = Path(tmp)
        lessons = [("default", DEFAULT_LESSON)]
        for activation, wide in LESSONS:
            name = f"{activation} {'-'.join(map(str, wide))}"
            path = folder / f"{name.replace(' ', '-')}.toml"
            path.write_text(lesson_text(activation, wide))
            lessons.append((name, path))
        for name, path in lessons:
            load_lesson(path)  # a generated file that does not validate stops here, with its message
            model = build_model(path)
            build = median_time(lambda: build_model(path), repeat)
            colds, warms, outcomes = [], [], set()
            for run in range(repeat):
                cache = folder / f"cache-{path.stem}-{run}"
                cold, cold_outcome = explain_time(path, cache)
                warm, warm_outcome = explain_time(path, cache)
                colds.append(cold)
                warms.append(warm)
                outcomes |= {cold_outcome, warm_outcome}
            cold, warm = statistics.median(colds), statistics.median(warms)
            checks = " / ".join(sorted(outcomes))  # one outcome, unless cold and warm differ
            print(f"{name:<28} {len(model.equations()):>9} {build:>8.3f} {cold:>7.2f} {warm:>7.2f} {cold / warm:>9.1f}  {checks}")


def bench_depth(depths: int, repeat: int) -> None:
    print("\nsymbolic derivation vs chain depth (generic sigma): chain-rule product,")
    print("local-derivative product and proof against the direct derivative, for w1")
    print(f"{'depth':>5} {'seconds':>9} {'ratio to depth 1':>17}")
    base = None
    for depth in [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20]:
        if depth > depths:
            break

        def derive(depth: int = depth) -> None:
            s = SymbolicNetwork((1,) * (depth + 1))
            s.chain_product(s.cost_symbol, s.w(1))
            s.local_product(s.cost_symbol, s.w(1))
            assert s.chain_rule_holds(s.w(1))

        t = median_time(derive, repeat)
        base = base or t
        print(f"{depth:>5} {t:>9.4f} {t / base:>17.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--depths", type=int, default=20, help="deepest chain for the symbolic scaling (0: skip)")
    args = parser.parse_args()

    cold = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import mathcore; "
         "mathcore.build_model(); print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True,
    )
    print(f"cold start (import mathcore + build_model, fresh process): {float(cold.stdout):.3f} s")
    print(f"load_lesson (read + validate default file):                {median_time(load_lesson, args.repeat) * 1e3:.1f} ms")
    print(f"build_model (default file, warm imports):                  {median_time(build_model, args.repeat):.3f} s\n")
    bench_explain(args.repeat)
    if args.depths:
        bench_depth(args.depths, args.repeat)


if __name__ == "__main__":
    main()

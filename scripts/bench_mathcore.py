#!/usr/bin/env python
"""Benchmark the lesson model: build time from the default file, and symbolic cost vs depth.

Usage: ``make bench`` or ``.venv/bin/python scripts/bench_mathcore.py [--depths 20] [--repeat 5]``

Reports medians of several runs in one process, so that figures from one run can be compared
with each other (the machines are shared and noisy; no absolute threshold is asserted here or in
the tests). The build time is what a scene pays to get the model; the sympy checks of every
equation are lazy and reported separately, as the reviewer's command pays them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from sympy.core.cache import clear_cache

from mathcore.lessonfile import load_lesson
from mathcore.beats import build_model
from mathcore.symbolic import SymbolicNetwork


def median_time(fn, repeat: int) -> float:
    """Median wall time of ``fn``, each run starting with sympy's cache empty (no free reuse)."""
    times = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, default=20, help="deepest chain for the symbolic scaling (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median reported)")
    args = parser.parse_args()

    cold = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import mathcore; "
         "mathcore.build_model(); print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True,
    )
    print(f"cold start (import mathcore + build_model, fresh process): {float(cold.stdout):.3f} s")
    print(f"load_lesson (read + validate default file):                {median_time(load_lesson, args.repeat) * 1e3:.1f} ms")
    print(f"build_model (default file, warm imports):                  {median_time(build_model, args.repeat):.3f} s")

    def check_all() -> None:
        for _, eq in build_model().equations():
            eq.check()

    print(f"build_model + sympy check of every equation:               {median_time(check_all, max(1, args.repeat // 2)):.3f} s")

    print("\nsymbolic derivation vs chain depth (generic sigma): chain-rule product,")
    print("local-derivative product and proof against the direct derivative, for w1")
    print(f"{'depth':>5} {'seconds':>9} {'ratio to depth 1':>17}")
    base = None
    for depth in [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20]:
        if depth > args.depths:
            break

        def derive(depth: int = depth) -> None:
            s = SymbolicNetwork((1,) * (depth + 1))
            s.chain_product(s.cost_symbol, s.w(1))
            s.local_product(s.cost_symbol, s.w(1))
            assert s.chain_rule_holds(s.w(1))

        t = median_time(derive, args.repeat)
        base = base or t
        print(f"{depth:>5} {t:>9.4f} {t / base:>17.1f}")


if __name__ == "__main__":
    main()

"""The reviewer's report: every equation and number the video shows, grouped by beat.

``python -m mathcore explain [LESSON_FILE] [--json]``

The text report lists, beat by beat, its plain-text summary, its narration (each sentence's key and
written text), each equation's TeX with the result of its sympy check (TeX agrees with the derived
expression; the equation holds) and each number as it appears on screen next to its full-precision
value. ``--json`` gives the same, machine-readable (the narration with each sentence's spoken form),
plus every example network as read from the file (weights and biases in the file's shapes), its
forward values, costs, and the gradient of every weight and bias in the same shapes as the file.

The symbolic proofs behind the checks are remembered between runs (:mod:`mathcore.proofcache`):
:func:`check_all` runs them, says so on stderr when a first run takes a while, and saves them.
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

import numpy as np

from mathcore import proofcache
from mathcore.examples import Example
from mathcore.model import Beat, LessonModel


def check_all(model: LessonModel, progress: TextIO | None = None, after: float = 1.0) -> list[str]:
    """Check every equation (each keeps its result) and save new proofs; the failed ones' names.

    If proofs were missing from the cache and the checks have taken more than ``after``
    seconds, one line saying so goes to ``progress``; with a warm cache, nothing does.
    """
    store = proofcache.store()
    equations = model.equations()
    start, told, failed = time.monotonic(), False, []
    for n, (beat, eq) in enumerate(equations):
        if progress is not None and not told and store.misses and time.monotonic() - start > after:
            progress.write(f"proving {len(equations) - n} more equations (first run; cached afterwards)...\n")
            progress.flush()
            told = True
        if not eq.check().ok:
            failed.append(f"{beat.key}.{eq.key}")
    store.save()
    return failed


def report(model: LessonModel) -> dict[str, Any]:
    """The whole report as plain data (what ``--json`` prints)."""
    spec = model.spec
    return {
        "lesson": {
            "file": str(spec.path), "name": spec.name, "title": spec.title, "cost": spec.cost.name,
            "decimals": spec.decimals,
        },
        "checks": _summary(model),
        "beats": [_beat(b) for b in model.beats],
        "networks": {
            "worked_chain": _network(model.worked),
            "sigmoid_chain": _network(model.sigmoid),
            "deep_chain": _network(model.deep),
            "wide_network": _network(model.wide, model.spec.learning_rate),
        },
    }


def _summary(model: LessonModel) -> dict[str, int]:
    checks = [eq.check() for _, eq in model.equations()]
    return {"equations": len(checks), "agree": sum(c.agrees for c in checks), "hold": sum(c.holds for c in checks)}


def _beat(b: Beat) -> dict[str, Any]:
    return {
        "number": b.number, "key": b.key, "title": b.title, "part": b.part, "summary": b.summary,
        "narration": [{"key": s.key, "text": s.text, "spoken": s.spoken} for s in b.narration],
        "equations": [
            {"key": eq.key, "tex": eq.tex, "parts": dict(eq.parts), "instances": len(eq.instances),
             "agrees": eq.check().agrees, "holds": eq.check().holds, "detail": eq.check().detail}
            for eq in b.equations.values()
        ],
        "values": {k: {"label": v.label, "value": v.value, "shown": v.tex} for k, v in b.values.items()},
        "series": {k: [{"label": v.label, "value": v.value, "shown": v.tex} for v in vs] for k, vs in b.series.items()},
        "texts": dict(b.texts),
        "data": {k: _plain(v) for k, v in b.data.items()},
    }


def _network(ex: Example, learning_rate: float | None = None) -> dict[str, Any]:
    """One example network in the lesson file's shapes: weights[l-1] is W^{(l)}."""
    L = ex.depth
    out = {
        "activation": ex.spec.activation.name,
        "sizes": list(ex.sizes),
        "weights": [ex.net.w[l].tolist() for l in range(1, L + 1)],
        "biases": [ex.net.b[l].tolist() for l in range(1, L + 1)],
        "inputs": ex.spec.inputs.tolist(),
        "targets": ex.spec.targets.tolist(),
        "forward": {
            "z": [ex.fwd.z[l].tolist() for l in range(1, L + 1)],
            "a": [ex.fwd.a[l].tolist() for l in range(0, L + 1)],
        },
        "cost": {"per_example": ex.fwd.cost.tolist(), "mean": ex.fwd.mean_cost},
        "gradient": {
            "weights": [ex.bwd.mean_grad_w[l].tolist() for l in range(1, L + 1)],
            "biases": [ex.bwd.mean_grad_b[l].tolist() for l in range(1, L + 1)],
        },
        "per_example_gradient": {
            "weights": [ex.bwd.grad_w[l].tolist() for l in range(1, L + 1)],
            "biases": [ex.bwd.grad_b[l].tolist() for l in range(1, L + 1)],
        },
        "delta": [ex.bwd.delta[l].tolist() for l in range(1, L + 1)],
    }
    if learning_rate is not None:
        stepped, after = ex.after_step(learning_rate)
        out["descent_step"] = {
            "learning_rate": learning_rate,
            "weights": [stepped.w[l].tolist() for l in range(1, L + 1)],
            "biases": [stepped.b[l].tolist() for l in range(1, L + 1)],
            "cost_before": ex.fwd.mean_cost,
            "cost_after": after,
        }
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def write_text(model: LessonModel, out: TextIO) -> None:
    """The human-readable report."""
    spec = model.spec
    summary = _summary(model)
    out.write(f"{spec.title} - {spec.path}\n")
    out.write(f"cost {spec.cost.name}, numbers shown to {spec.decimals} places\n")
    out.write(f"equations: {summary['equations']}, TeX agrees with sympy: {summary['agree']}, "
              f"proved by sympy: {summary['hold']}\n")
    for b in model.beats:
        out.write(f"\n[Part {b.part}] Beat {b.number}: {b.title}  ({b.key})\n")
        out.write(f"  summary   {b.summary}\n")
        for s in b.narration:
            out.write(f"  narration {s.key}: {s.text}\n")
        for key, text in b.texts.items():
            out.write(f"  text      {key}: {text}\n")
        for eq in b.equations.values():
            c = eq.check()
            mark = "ok" if c.ok else "FAIL"
            out.write(f"  equation  {eq.key}: {eq.tex}\n")
            out.write(f"            {mark}: TeX {'agrees with' if c.agrees else 'DISAGREES with'} sympy; "
                      f"{'holds' if c.holds else 'NOT PROVED'} ({c.detail})\n")
        for v in b.values.values():
            out.write(f"  number    {v.key}: {v.label} = {v.tex}   ({v.value:.10g})\n")
        for name, vs in b.series.items():
            shown = ", ".join(v.tex for v in vs)
            out.write(f"  series    {name}: {shown}\n")
        for name, value in b.data.items():
            out.write(f"  data      {name}: {_plain(value)}\n")


def write_json(model: LessonModel, out: TextIO) -> None:
    json.dump(report(model), out, indent=1, allow_nan=False, default=str)
    out.write("\n")

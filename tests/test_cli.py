"""``python -m mathcore explain``: the reviewer's report, text and JSON, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mathcore.lessonfile import DEFAULT_LESSON

from .conftest import OTHER_LESSON


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mathcore", *args], capture_output=True, text=True,
                          env=None if env is None else os.environ | env)


@pytest.fixture(scope="module")
def text_report() -> subprocess.CompletedProcess[str]:
    return run("explain")


def test_text_report_lists_every_beat_and_check(text_report, model):
    assert text_report.returncode == 0, text_report.stderr
    out = text_report.stdout
    n = len(model.equations())
    assert f"equations: {n}, TeX agrees with sympy: {n}, proved by sympy: {n}" in out
    for beat in model.beats:
        assert f"Beat {beat.number}: {beat.title}" in out
    assert "FAIL" not in out
    assert model.beat("local_derivatives").equations["numbers"].tex in out


def test_json_report_has_networks_in_the_files_shapes():
    out = run("explain", str(OTHER_LESSON), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    wide = data["networks"]["wide_network"]
    shapes = [(len(w), len(w[0])) for w in wide["weights"]]
    assert shapes == [(4, 2), (3, 4)]  # as written in tests/data/other_lesson.toml
    assert [(len(g), len(g[0])) for g in wide["gradient"]["weights"]] == shapes
    assert [len(b) for b in wide["gradient"]["biases"]] == [4, 3]
    assert len(wide["cost"]["per_example"]) == 2
    assert data["checks"]["equations"] == data["checks"]["hold"]
    assert [b["number"] for b in data["beats"]] == list(range(1, 29))


def test_json_worked_chain_gradient_by_hand():
    data = json.loads(run("explain", "--json").stdout)
    worked = data["networks"]["worked_chain"]
    # dC/dw = (3, 2, 12) for w1, w2, w3 (see test_model.test_worked_chain_by_hand)
    assert worked["gradient"]["weights"] == [[[3.0]], [[2.0]], [[12.0]]]
    assert worked["forward"]["a"] == [[[1.0]], [[2.0]], [[6.0]], [[3.0]]]


@pytest.mark.parametrize(
    "edit,phrase",
    [
        (("cost = \"quadratic\"", "cost = \"cubic\""), "lesson.cost: unknown cost 'cubic'"),
        (("nudge = 0.01", "nudge = 0.01\nspeed = 2"), "worked_chain.speed: unknown key"),
    ],
)
def test_bad_lesson_file_gives_one_line_and_exit_2(tmp_path, edit, phrase):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_LESSON.read_text().replace(*edit))
    out = run("explain", str(bad))
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert str(bad) in lines[0] and phrase in lines[0]


def test_missing_file_and_bad_arguments_exit_2(tmp_path):
    out = run("explain", str(tmp_path / "nope.toml"))
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    assert run("explain", "--bogus").returncode == 2
    assert run().returncode == 2


def test_explain_with_a_cold_and_a_warm_proof_cache(tmp_path):
    """Same report both times; the second run proves nothing and prints nothing on stderr."""
    env = {"BACKPROP_LESSON_CACHE": str(tmp_path / "cache")}
    cold = run("explain", str(OTHER_LESSON), env=env)
    assert cold.returncode == 0, cold.stderr
    proofs = tmp_path / "cache" / "proofs.json"
    assert len(json.loads(proofs.read_text())["proved"]) > 50
    warm = run("explain", str(OTHER_LESSON), env=env)
    assert warm.returncode == 0 and warm.stderr == ""
    assert warm.stdout == cold.stdout

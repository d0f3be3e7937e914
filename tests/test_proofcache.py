"""The proof cache: a warm run gives the same results as a cold one, faster; it never hides a failure.

Each test has a cache folder of its own (``$BACKPROP_LESSON_CACHE``) and forgets the stores that
earlier tests opened in this process, as a new run of ``explain`` would.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mathcore import notation as nt
from mathcore import proofcache
from mathcore.beats import build_model
from mathcore.equations import Equation, Instance
from mathcore.explain import check_all
from mathcore.lessonfile import DEFAULT_LESSON
from mathcore.model import LessonModel

from .test_equations import mutated


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BACKPROP_LESSON_CACHE", str(folder))
    new_run(monkeypatch)
    return folder


def new_run(monkeypatch: pytest.MonkeyPatch) -> proofcache.ProofCache:
    """Forget the stores opened so far, as a new process would; the store the next checks use."""
    monkeypatch.setattr(proofcache, "_stores", {})
    return proofcache.store()


def results(model: LessonModel) -> dict[tuple[str, str], tuple[bool, bool, str]]:
    return {(b.key, eq.key): (eq.check().agrees, eq.check().holds, eq.check().detail) for b, eq in model.equations()}


def saved_keys(folder: Path) -> set[str]:
    return set(json.loads((folder / proofcache.FILE_NAME).read_text())["proved"])


def test_a_warm_run_gives_the_cold_runs_results_from_the_cache(cache, monkeypatch):
    cold_store = proofcache.store()
    cold_model = build_model()
    assert check_all(cold_model) == []
    assert cold_store.misses > 50  # (hits too: some steps appear in several equations)
    keys = saved_keys(cache)
    assert len(keys) == cold_store.misses  # every symbolic step of a true lesson is proved and kept

    warm_store = new_run(monkeypatch)
    warm_model = build_model()
    assert check_all(warm_model) == []
    assert warm_store.misses == 0 and warm_store.hits > 50
    assert results(warm_model) == results(cold_model)
    assert saved_keys(cache) == keys


def wrong_chain(model: LessonModel) -> Equation:
    """dC_0/dw^{(L)} written without its sigma' link: the TeX agrees with its sides, which do not hold."""
    s = model.sigmoid.sym
    C, w, L = s.cost_symbol, s.w(s.depth), s.depth
    dz_dw, dc_da = nt.partial(s.z(L), w), nt.partial(C, s.a(L))
    inst = Instance(s.scope(), (nt.partial(C, w), dz_dw * dc_da), None)
    parts = (("lhs", nt.partial(C, w).name), ("eq", "="), ("dz_dw", dz_dw.name), ("dC_da", dc_da.name))
    return Equation("wrong", parts, s.graph, (inst,))


def test_a_wrong_equation_is_caught_with_a_warm_cache(cache, monkeypatch):
    assert check_all(build_model()) == []
    store = new_run(monkeypatch)
    model = build_model()
    check_all(model)
    assert store.misses == 0
    recursion = model.beat("recursion").equations["recursion"]
    assert recursion.check().ok
    assert not mutated(recursion, "w", "(l)", "(l-1)").check().ok  # a changed TeX is read again
    numbers = model.beat("weight_index_form").equations["numbers"]
    value = numbers.part("value")
    last = value[-1]
    assert not mutated(numbers, "value", value, value[:-1] + ("1" if last != "1" else "2")).check().ok
    wrong = wrong_chain(model)
    check = wrong.check()
    assert check.agrees and not check.holds
    # ... and the failure is not remembered: the next run proves it again, and fails again.
    store.save()
    assert len(saved_keys(cache)) == len(store.keys)
    new_run(monkeypatch)
    again = wrong_chain(build_model()).check()
    assert again.agrees and not again.holds


def test_a_changed_side_is_proved_afresh(cache, monkeypatch):
    """The key is the statement itself: another side under the same TeX is not found in the cache."""
    assert check_all(build_model()) == []
    store = new_run(monkeypatch)
    eq = build_model().beat("vector_form").equations["bp4"]
    lhs, rhs = eq.instances[-1].sides  # dC_0/dw^{(L)}_{jk} = a^{(L-1)}_k delta^{(L)}_j
    assert eq._proved_equal(lhs, rhs) and (store.hits, store.misses) == (1, 0)
    wrong = rhs.xreplace({s: nt.symbol(s.name.replace("a^", "z^")) for s in rhs.free_symbols})  # z for a
    assert wrong != rhs
    assert not eq._proved_equal(lhs, wrong) and store.misses == 1
    assert not eq._proved_equal(lhs, wrong) and store.misses == 2  # failures are not remembered


def test_proofs_do_not_depend_on_the_numbers(cache, monkeypatch, tmp_path):
    assert check_all(build_model()) == []
    text = DEFAULT_LESSON.read_text()
    edits = [("[[0.8, -0.5, 0.3], [0.2, 0.9, -0.7]", "[[0.7, -0.4, 0.35], [0.25, 1.1, -0.6]"),
             ("weights = [[[1.5]], [[-2.0]], [[2.5]]]", "weights = [[[1.3]], [[-1.7]], [[2.1]]]"),
             ("inputs = [[0.9, 0.1, 0.5]]", "inputs = [[0.4, 0.3, 0.8]]")]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    other = tmp_path / "other_numbers.toml"
    other.write_text(text)
    store = new_run(monkeypatch)
    model = build_model(other)
    assert check_all(model) == []
    assert store.misses == 0 and store.hits > 50


def test_changed_code_misses_the_cache(cache, monkeypatch):
    assert check_all(build_model()) == []
    proved = saved_keys(cache)
    monkeypatch.setattr(proofcache, "code_version", lambda: "another version of the code")
    store = new_run(monkeypatch)
    assert check_all(build_model()) == []
    assert store.misses == len(proved)
    assert not saved_keys(cache) & proved
    assert json.loads((cache / proofcache.FILE_NAME).read_text())["code"] == "another version of the code"


def test_a_corrupt_cache_file_is_ignored_and_rewritten(cache):
    cache.mkdir()
    (cache / proofcache.FILE_NAME).write_text('{"format": 1, "proved": [')
    store = proofcache.store()
    assert check_all(build_model()) == []
    assert store.misses > 50
    assert len(saved_keys(cache)) == store.misses


def test_an_unwritable_cache_folder_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BACKPROP_LESSON_CACHE", str(blocker / "cache"))
    store = new_run(monkeypatch)
    assert check_all(build_model()) == []
    assert store.misses > 0
    assert store.save() is False  # nothing could be written, and nothing was raised


def test_where_the_cache_lives(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKPROP_LESSON_CACHE", str(tmp_path / "mine"))
    assert proofcache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("BACKPROP_LESSON_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert proofcache.cache_dir() == tmp_path / "xdg" / "backprop-lesson"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert proofcache.cache_dir() == tmp_path / "home" / ".cache" / "backprop-lesson"


def test_a_cold_run_says_it_is_proving_and_a_warm_one_says_nothing(cache, monkeypatch):
    cold = io.StringIO()
    check_all(build_model(), progress=cold, after=0.0)
    lines = cold.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("proving ") and "cached afterwards" in lines[0]
    new_run(monkeypatch)
    warm = io.StringIO()
    check_all(build_model(), progress=warm, after=0.0)
    assert warm.getvalue() == ""

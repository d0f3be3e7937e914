"""The memo of digests (pipeline/memo.py): the same cache keys as computed from scratch, never stale.

The memo is first tested on its own, on files in a temporary folder. Then the cache keys of the
tiny scenes, on a copy of the scenes, the lesson model and the tiny scene list, are computed in a
fresh process through a memo and compared with keys computed by a reference written here from the
cache key's definition (:mod:`pipeline.cachekey`'s docstring) with the from-scratch functions,
after edits of a scene, of the lesson file and of the model's code. No scene is rendered.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import memo as memo_module
from pipeline.memo import Memo

from .test_pipeline import HERE, PACKAGE, copy_scenes


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()


def settled(path: Path, text: str) -> Path:
    """``path`` written with ``text``, its times set a minute back (as if written long ago); the
    ctime is still now, so a test that needs the file memoisable waits for it (:func:`wait_settled`)."""
    path.write_text(text)
    old = time.time_ns() - 60 * 10**9
    os.utime(path, ns=(old, old))
    return path


def wait_settled() -> None:
    """Until files written before this call are older than the memo's racy window."""
    time.sleep(memo_module.RACY_SECONDS + 0.1)


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The racy window shortened for this process: the tests of the memo on its own wait less."""
    monkeypatch.setattr(memo_module, "RACY_SECONDS", 0.3)


class Counting:
    """``compute`` for :meth:`Memo.of_file`: the file's SHA-256, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> str:
        self.calls += 1
        return sha(path.read_bytes())


# -- the memo on its own ---------------------------------------------------------------------
def test_an_unchanged_file_is_read_once_across_runs(tmp_path: Path, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    count = Counting()
    first = Memo(tmp_path / "memo.json")
    assert first.of_file(file, "sha", count) == sha("x = 1\n")
    first.save()
    second = Memo(tmp_path / "memo.json")  # the next run
    assert second.of_file(file, "sha", count) == sha("x = 1\n")
    assert count.calls == 1


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path, short_window: None):
    """Same size, the mtime forced back to what it was: the ctime (which cannot be set back) differs."""
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    before = file.stat()
    memo = Memo(tmp_path / "memo.json")
    assert memo.of_file(file, "sha", Counting()) == sha("x = 1\n")
    memo.save()
    file.write_text("x = 2\n")
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = file.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    wait_settled()  # not merely too recent to be memoised: seen by its stat
    again = Memo(tmp_path / "memo.json")
    assert again.of_file(file, "sha", Counting()) == sha("x = 2\n")


def test_a_file_changed_just_now_is_not_memoised(tmp_path: Path):
    """An edit within the clock's tick of the read could keep every time: so a file changed less
    than RACY_SECONDS before it is read is read again on the next run."""
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    count = Counting()
    memo = Memo(tmp_path / "memo.json")
    memo.of_file(file, "sha", count)
    memo.save()
    Memo(tmp_path / "memo.json").of_file(file, "sha", count)
    assert count.calls == 2


def test_a_file_changed_just_now_is_read_once_in_a_run_and_again_when_it_changes(tmp_path: Path):
    """A file just edited (a scene being worked on) is asked for once per scene of its module:
    the run reads it once, unless it changes meanwhile; it is still not memoised for the next run."""
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    count = Counting()
    memo = Memo(tmp_path / "memo.json")
    assert [memo.of_file(file, "sha", count) for _ in range(3)] == [sha("x = 1\n")] * 3
    assert count.calls == 1
    file.write_text("x = 22\n")  # another size: another stat, whatever the clock's tick
    assert memo.of_file(file, "sha", count) == sha("x = 22\n") and count.calls == 2
    memo.save()
    assert Memo(tmp_path / "memo.json").of_file(file, "sha", count) == sha("x = 22\n") and count.calls == 3


def test_a_file_too_recent_when_read_is_memoised_when_saved_once_old_enough(tmp_path: Path, short_window: None):
    """A fresh checkout rendered: its files were too recent when read, but not by the end of the
    build, whose save memoises them (and what was derived from them) after checking their bytes."""
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    count = Counting()
    memo = Memo(tmp_path / "memo.json")
    assert memo.of_file(file, "sha", count) == sha("x = 1\n")
    assert memo.derived("name", sha("x = 1\n"), lambda: "derived", files=[file]) == "derived"
    memo.save()  # still too recent: nothing memoised yet
    assert not (tmp_path / "memo.json").exists()
    wait_settled()
    memo.save()  # the end of the build
    again = Memo(tmp_path / "memo.json")
    assert again.of_file(file, "sha", count) == sha("x = 1\n") and count.calls == 1
    assert again.derived("name", sha("x = 1\n"), lambda: "computed again", files=[file]) == "derived"


def test_a_recent_file_edited_within_its_stat_is_not_memoised_when_saved(tmp_path: Path, short_window: None,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """An edit after the read that a coarse clock would not show: the stat seen without its ctime
    (which this file system does show) and the mtime set back. The bytes differ, so the result
    read before the edit is not memoised, nor what was derived from it."""
    monkeypatch.setattr(memo_module, "_stamp", lambda path: [path.stat().st_size, path.stat().st_mtime_ns, 0,
                                                             path.stat().st_ino])
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    before = file.stat()
    count = Counting()
    memo = Memo(tmp_path / "memo.json")
    assert memo.of_file(file, "sha", count) == sha("x = 1\n")
    memo.derived("name", sha("x = 1\n"), lambda: "derived", files=[file])
    file.write_text("x = 2\n")
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    wait_settled()
    memo.save()
    again = Memo(tmp_path / "memo.json")
    assert again.of_file(file, "sha", count) == sha("x = 2\n") and count.calls == 2
    assert again.derived("name", sha("x = 1\n"), lambda: "computed again", files=[file]) == "computed again"


def test_each_kind_has_its_own_entry(tmp_path: Path, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    memo = Memo(tmp_path / "memo.json")
    assert memo.of_file(file, "sha", Counting()) == sha("x = 1\n")
    assert memo.of_file(file, "length", lambda p: len(p.read_bytes())) == 6


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", '{"format": 1, "salt": "other code", "files": {}, '
                                     '"derived": {}}', '{"format": 99}', ""])
def test_a_corrupt_or_foreign_memo_is_ignored_and_rewritten(tmp_path: Path, content: str, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    path = tmp_path / "memo.json"
    path.write_text(content)
    count = Counting()
    memo = Memo(path)
    assert memo.of_file(file, "sha", count) == sha("x = 1\n")
    assert count.calls == 1
    memo.save()
    data = json.loads(path.read_text())
    assert data["format"] == memo_module.MEMO_FORMAT and data["salt"] == memo_module.code_salt()
    assert Memo(path).of_file(file, "sha", count) == sha("x = 1\n") and count.calls == 1  # now it serves


def test_a_malformed_entry_is_a_miss(tmp_path: Path, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    path = tmp_path / "memo.json"
    path.write_text(json.dumps({"format": memo_module.MEMO_FORMAT, "salt": memo_module.code_salt(),
                                "files": {f"sha\0{file}": "not a list"}, "derived": {}}))
    assert Memo(path).of_file(file, "sha", Counting()) == sha("x = 1\n")


def test_the_memo_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    path = tmp_path / "cache" / "memo.json"
    old = Memo(path)
    old.of_file(file, "sha", Counting())
    old.save()
    before = path.read_bytes()
    memo = Memo(path)
    memo.of_file(file, "length", lambda p: 6)
    real_replace = os.replace
    seen: list[tuple[str, str]] = []

    def failing_replace(src, dst):  # the new memo is complete under its temporary name, then the rename fails
        seen.append((str(src), str(dst)))
        assert json.loads(Path(src).read_text())["files"]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    memo.save()  # not an error: the next run computes again
    monkeypatch.setattr(os, "replace", real_replace)
    assert seen and seen[0][1] == str(path) and seen[0][0] != str(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["memo.json"]  # no temporary file left


def test_nothing_is_written_when_nothing_was_added(tmp_path: Path, short_window: None):
    file = settled(tmp_path / "a.py", "x = 1\n")
    wait_settled()
    path = tmp_path / "memo.json"
    first = Memo(path)
    first.of_file(file, "sha", Counting())
    first.save()
    stamp = path.stat().st_mtime_ns, path.stat().st_ino
    second = Memo(path)
    second.of_file(file, "sha", Counting())
    second.save()
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == stamp


def test_a_derived_result_is_reused_for_the_same_inputs_only(tmp_path: Path):
    memo = Memo(tmp_path / "memo.json")
    calls: list[str] = []
    assert memo.derived("double", {"x": 2}, lambda: calls.append("2") or 4) == 4
    assert memo.derived("double", {"x": 2}, lambda: calls.append("again") or 5) == 4
    assert memo.derived("double", {"x": 3}, lambda: calls.append("3") or 6) == 6
    assert memo.derived("triple", {"x": 2}, lambda: calls.append("t") or 6) == 6
    assert calls == ["2", "3", "t"]
    assert memo.derived("pair", 1, lambda: (1, 2)) == [1, 2]  # as it reads back from the file, the first time too


def test_a_derived_result_is_not_kept_if_its_file_changed_while_computing(tmp_path: Path, short_window: None):
    file = settled(tmp_path / "lesson.toml", "name = 'a'\n")
    wait_settled()
    memo = Memo(tmp_path / "memo.json")
    digest = memo.of_file(file, "sha", Counting())

    def read_while_edited() -> str:
        file.write_text("name = 'b'\n")  # edited between the digest and this read
        return file.read_text()

    assert memo.derived("name", digest, read_while_edited, files=[file]) == "name = 'b'\n"
    assert memo.derived("name", digest, lambda: "computed again", files=[file]) == "computed again"


def test_a_derived_result_of_a_file_too_recent_to_memoise_is_not_kept(tmp_path: Path):
    file = tmp_path / "lesson.toml"
    file.write_text("name = 'a'\n")
    memo = Memo(tmp_path / "memo.json")
    digest = memo.of_file(file, "sha", Counting())
    memo.derived("name", digest, lambda: "first", files=[file])
    assert memo.derived("name", digest, lambda: "second", files=[file]) == "second"


# -- cache keys through the memo, in a fresh process ------------------------------------------
KEYS = r'''
import ast, hashlib, json, sys
from importlib import metadata
from pathlib import Path

parsed = []
real_parse = ast.parse
ast.parse = lambda *a, **k: parsed.append(1) or real_parse(*a, **k)

from pipeline.cachekey import KEY_LENGTH, RECIPE, file_digest, scene_code, scene_keys, toolkit_files
from pipeline.lesson import read_lesson
from pipeline.memo import Memo
from pipeline.quality import quality
from pipeline.render import render_args
from pipeline.scenelist import SceneRef, load_registry, package_dir

SPEC = "PACKAGE:SCENES"
q = quality("low")


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def reference():
    """The keys as the cache key's docstring defines them, with the functions that read from scratch."""
    registry = load_registry(SPEC)
    model, toolkit = package_dir("mathcore"), package_dir("scenes")
    lesson = model / "lessons" / "default.toml"
    shared = digest({"recipe": RECIPE, "manim": metadata.version("manim"), "quality": "low",
                     "render_args": render_args(q), "lesson": hashlib.sha256(lesson.read_bytes()).hexdigest(),
                     "model": digest({str(p.relative_to(model)): file_digest(p) for p in sorted(model.rglob("*.py"))})})
    keys = {}
    for ref in registry.scenes:
        ref = SceneRef(ref.module, ref.name, ref.path, ref.root, ast.parse(ref.path.read_bytes()))
        kit = {str(p.relative_to(toolkit)): file_digest(p, {registry.attribute} if p == registry.path else ())
               for p in toolkit_files(ref, toolkit)}
        keys[ref.name] = digest({"shared": shared, "scene": str(ref), "code": scene_code(ref), "toolkit": kit,
                                 "narration": None})[:KEY_LENGTH]
    return keys


if sys.argv[1] == "reference":
    print(json.dumps({"keys": reference()}))
else:
    memo = Memo(Path(sys.argv[1]))
    registry = load_registry(SPEC, memo)
    keys = scene_keys(registry, read_lesson(None, memo), q, render_args(q), None, None, memo)
    memo.save()
    heavy = [m for m in ("mathcore", "sympy", "numpy", "manim", "av") if m in sys.modules]
    print(json.dumps({"keys": keys, "parsed": len(parsed), "imported": heavy}))
'''.replace("PACKAGE", PACKAGE)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A copy of the tiny scenes, the scene toolkit and the lesson model, settled (see :func:`settled`)."""
    folder = copy_scenes(tmp_path / "src")
    (tmp_path / "keys.py").write_text(KEYS)
    wait_settled()
    return folder


def keys(src: Path, memo: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(HERE.parent)])}
    run = subprocess.run([sys.executable, str(src.parent / "keys.py"), memo], cwd=src, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_memo_gives_the_keys_computed_from_scratch_and_reads_nothing_unchanged(src: Path):
    memo = str(src.parent / "digests.json")
    expected = keys(src, "reference")["keys"]
    assert len(set(expected.values())) == 3
    first = keys(src, memo)
    assert first["keys"] == expected
    assert first["parsed"] > 0 and "sympy" in first["imported"]  # everything read, the lesson validated
    second = keys(src, memo)
    assert second == {"keys": expected, "parsed": 0, "imported": []}


def test_an_edited_scene_changes_its_key_only_even_at_the_same_size_and_mtime(src: Path):
    memo = str(src.parent / "digests.json")
    before = keys(src, memo)["keys"]
    tiny = src / PACKAGE / "tiny.py"
    stat = tiny.stat()
    code = tiny.read_text()
    assert code.count("self.wait(0.2)") == 1  # in Middle
    tiny.write_text(code.replace("self.wait(0.2)", "self.wait(0.6)"))
    os.utime(tiny, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (tiny.stat().st_size, tiny.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    wait_settled()
    after = keys(src, memo)["keys"]
    assert after == keys(src, "reference")["keys"]
    assert [name for name in before if before[name] != after[name]] == ["Middle"]


@pytest.mark.parametrize("edit", ["lesson file", "model code"])
def test_an_edit_of_the_lesson_file_or_the_model_changes_every_key(src: Path, edit: str):
    memo = str(src.parent / "digests.json")
    before = keys(src, memo)["keys"]
    if edit == "lesson file":
        lesson = src / "mathcore" / "lessons" / "default.toml"
        text = lesson.read_text()
        assert text.count("decimals = 3") == 1
        lesson.write_text(text.replace("decimals = 3", "decimals = 2"))
    else:
        with (src / "mathcore" / "notation.py").open("a") as f:
            f.write("\n\ndef _added():\n    return 1\n")
    after = keys(src, memo)
    assert after["keys"] == keys(src, "reference")["keys"]
    assert all(before[name] != after["keys"][name] for name in before)
    assert "sympy" in after["imported"]  # the lesson file validated again: it or the model changed

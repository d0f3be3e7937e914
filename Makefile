# Backpropagation calculus lesson: `make` renders it, `make test` tests it.
# Everything installs itself on first use: Debian packages (scripts/system-deps),
# a virtual environment in .venv and the project, editable, with its test extras.
#
#   make                          render the lesson: media/lesson/medium/<lesson name>.mp4
#   make QUALITY=high             ... at low, medium (default), high or 4k
#   make LESSON=my.toml           ... another lesson file, into media/lesson-my/<quality>/
#   make JOBS=1                   ... one scene at a time (default: one per core)
#   make NARRATION=none           ... silent (default: voice, narrated and captioned)
#   make export                   for slides: a clip (.mp4, narrated), poster (.png), captions (.vtt, .srt)
#                                 and GIF per beat, deck.html, deck.pptx, index.html (a gallery), a contact
#                                 sheet and manifest.json, in media/lesson/<quality>/export/ (QUALITY=,
#                                 LESSON=, NARRATION= too)
#   make export FORMATS=gif,webm  ... the beats' other formats: any of gif, webp, webm
#   make report                   for reviewers: media/lesson/report.pdf, every formula and number the video
#                                 shows and how each was checked (LESSON= too: media/lesson-<file stem>/)
#   make preview SCENE=ChainRule  one scene, fast (low quality), and where its file is
#   make narration-script         the narration to record from, each sentence with its take's file name and
#                                 length: media/lesson/narration-script.md (LESSON= too: media/lesson-<file stem>/)
#   make bench-render             time a whole render against the encode floor (QUALITY= too)
#   make bench-nochange           time `make` with nothing changed, on the lesson rendered (QUALITY= too)
#   make bench-encoder            x264's presets and tunings on the lesson's frames: time, size, fidelity

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
LESSON  ?= mathcore/lessons/default.toml
QUALITY ?= medium
JOBS    ?=
SCENE   ?=
FORMATS ?=
NARRATION ?=
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# preview is low quality unless QUALITY is given on the command line or in the environment.
preview_quality := $(if $(filter command line environment,$(origin QUALITY)),--quality $(QUALITY))

.PHONY: all render export preview narration-script install system-deps test explain report bench bench-render bench-nochange bench-encoder clean

all: render

system-deps:
	@scripts/system-deps

install: system-deps $(STAMP)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

render: install
	@$(PY) -m pipeline render --quality $(QUALITY) --lesson $(LESSON) $(if $(JOBS),--jobs $(JOBS)) $(if $(NARRATION),--narration $(NARRATION))

export: install
	@$(PY) -m pipeline export --quality $(QUALITY) --lesson $(LESSON) $(if $(JOBS),--jobs $(JOBS)) $(if $(NARRATION),--narration $(NARRATION)) \
		$(if $(FORMATS),--formats $(FORMATS))

preview: install
	@$(PY) -m pipeline preview $(SCENE) --lesson $(LESSON) $(preview_quality) $(if $(NARRATION),--narration $(NARRATION))

narration-script: install
	@$(PY) -m pipeline narration-script --lesson $(LESSON)

test: install
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile

explain: install
	$(PY) -m mathcore explain $(LESSON)

report: install
	@$(PY) -m mathcore report $(LESSON)

bench: install
	$(PY) scripts/bench_mathcore.py

bench-render: install
	$(PY) scripts/bench_render.py --quality $(QUALITY)

bench-nochange: install
	$(PY) scripts/bench_render.py --nothing-changed --cold --quality $(QUALITY) --lesson $(LESSON)

bench-encoder: install
	$(PY) scripts/bench_encoder.py

clean:
	rm -rf media/* .pytest_cache .hypothesis

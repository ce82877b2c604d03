# Two entry points: `make run` (set up, then open the app) and `make test` (set up, then lint,
# type-check and test). Both create a virtualenv in .venv from this project's own files, with the
# `dev` extra, which holds the app (`app` extra) and every tool the tests need.
PYTHON ?= python3
VENV ?= .venv
# A CPU build of torch: an unpinned torch pulls a multi-GB CUDA build. Override for a GPU machine.
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
export QT_QPA_PLATFORM ?= offscreen
export SDL_VIDEODRIVER ?= dummy
export SDL_AUDIODRIVER ?= dummy

.PHONY: setup run demo dist test lint typecheck bench interop screenshots clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

run: setup
	QT_QPA_PLATFORM=$${DISPLAY:+xcb} $(BIN)/recorder-app --env CartPole-v1

demo: setup
	$(BIN)/demorec record --env CartPole-v1 --expert bc.experts:cartpole_balance --episodes 10 --out demo/expert_cartpole.npz
	$(BIN)/demorec info demo/expert_cartpole.npz

# The wheel users install (`pip install dist/demo_recorder-*.whl`, or with `[app]` for the app).
dist: setup
	rm -rf build dist
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation -w dist .
	rm -rf build

lint: setup
	$(BIN)/ruff check bc recorder_app tests bench
	$(BIN)/ruff format --check bc recorder_app tests bench

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -q

bench: setup
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

# A dataset converted to .hf, loaded and trained on by imitation in a venv of its own
# (imitation pins gymnasium 0.29). Not part of `test`: it installs imitation (a few minutes).
interop: setup
	$(BIN)/python bench/interop_imitation.py

screenshots: setup
	if command -v xvfb-run >/dev/null; then \
		xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python docs/take_screenshots.py && \
		xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python docs/take_tutorial_screenshots.py; \
	else $(BIN)/python docs/take_screenshots.py && $(BIN)/python docs/take_tutorial_screenshots.py; fi

clean:
	rm -rf $(VENV) .venv-interop .pytest_cache .mypy_cache .ruff_cache build dist

# Two commands set everything up:  `make lab` (run the series)  and  `make test` (check it).
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
# Jupyter refuses to run as root without this flag (containers, Binder-like setups).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint format clean instructor html test-latest present course

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-lab requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## make lab: create .venv if needed, install the pinned packages and open the welcome notebook
lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/00_welcome.ipynb

## make test: lint, unit and claim tests, every notebook under strict nbval, then every notebook in
## a real browser (Chromium; skipped with a clear line without one, fails under CI=true)
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests --ignore=tests/browser
	$(BIN)/python -m pytest --nbval notebooks --nbval-sanitize-with tools/nbval_sanitize.cfg -p no:cacheprovider
	PYTHON=$(BIN)/python tools/run_browser_tests.sh

## make present NB=07: one notebook as a clean app (Voilà: code hidden, sliders and figures live,
## projector fonts) on http://127.0.0.1:8866/  (PORT=9000 to move it, FONTS=normal for normal fonts)
PORT ?= 8866
present: $(VENV)/.installed-dev
	@test -n "$(NB)" || { echo "usage: make present NB=07" >&2; exit 2; }
	$(BIN)/python tools/present.py $(NB) --port $(PORT) $(if $(filter normal,$(FONTS)),--normal-fonts,)

## make instructor: the instructor edition (every exercise solved and executed) in instructor/
instructor: $(VENV)/.installed-dev
	$(BIN)/python tools/instructor_edition.py --out instructor

## make course: an nbgrader course in course/: source/ (solutions and autograded tests from the
## exercises) and release/ (nbgrader generate_assignment). COURSE=path puts it elsewhere,
## ONLY="00 04" builds some notebooks; submissions and grades already there are kept
COURSE ?= course
course: $(VENV)/.installed-dev
	$(BIN)/python tools/course.py --out $(COURSE) $(if $(ONLY),--only $(ONLY),)

## make html: the static edition in site/: every live figure moves without a kernel or network
## (frames; needs npm once for require.js, the widget renderer and MathJax; frames cached in site/_frames)
html: $(VENV)/.installed-dev
	$(BIN)/python tools/static_site.py --out site

## make test-latest: the whole suite against the newest releases the project allows (unpinned)
test-latest:
	test -x .venv-latest/bin/python || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e ".[widgets,data]" jupyterlab ipykernel \
		nbclient nbconvert pytest nbval hypothesis ruff
	.venv-latest/bin/python -m pip list --format=freeze | grep -iE '^(numpy|matplotlib|ipywidgets|ipympl|jupyterlab|scikit-learn)=='
	.venv-latest/bin/python -m pytest tests -m "not slow" --ignore=tests/browser
	.venv-latest/bin/python -m pytest --nbval notebooks --nbval-sanitize-with tools/nbval_sanitize.cfg -p no:cacheprovider

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .venv-latest .pytest_cache .ruff_cache instructor site artifacts

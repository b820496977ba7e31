# pelican-quickstart style Makefile, plus `test`. Every target that needs
# Python first creates .venv and installs the project into it.
PY?=python3
VENV?=.venv
PYTHON=$(VENV)/bin/python
PELICAN?=$(VENV)/bin/pelican
PELICANOPTS=

BASEDIR=$(CURDIR)
INPUTDIR=$(BASEDIR)/content
OUTPUTDIR=$(BASEDIR)/output
CONFFILE=$(BASEDIR)/pelicanconf.py
PUBLISHCONF=$(BASEDIR)/publishconf.py

DEBUG ?= 0
ifeq ($(DEBUG), 1)
	PELICANOPTS += -D
endif

RELATIVE ?= 0
ifeq ($(RELATIVE), 1)
	PELICANOPTS += --relative-urls
endif

SERVER ?= "0.0.0.0"

PORT ?= 0
ifneq ($(PORT), 0)
	PELICANOPTS += -p $(PORT)
endif

# What building the site needs; the tests add their tools on top.
INSTALLED=$(VENV)/.installed
TEST_INSTALLED=$(VENV)/.installed-test

help:
	@echo 'Makefile for a pelican Web site                                           '
	@echo '                                                                          '
	@echo 'Usage:                                                                    '
	@echo '   make html                           (re)generate the web site          '
	@echo '   make clean                          remove the generated files         '
	@echo '   make regenerate                     regenerate files upon modification '
	@echo '   make publish                        generate using production settings '
	@echo '   make serve [PORT=8000]              serve site at http://localhost:8000'
	@echo '   make serve-global [SERVER=0.0.0.0]  serve (as root) to $(SERVER):80    '
	@echo '   make devserver [PORT=8000]          serve and regenerate together      '
	@echo '   make devserver-global               regenerate and serve on 0.0.0.0    '
	@echo '   make test                           run lint and the test suite        '
	@echo '   make test-fast                      the tests that need no TensorFlow  '
	@echo '   make wheel-check                    the built wheel builds the demo    '
	@echo '                                                                          '
	@echo 'Set the DEBUG variable to 1 to enable debugging, e.g. make DEBUG=1 html   '
	@echo 'Set the RELATIVE variable to 1 to enable relative urls                    '
	@echo '                                                                          '

$(INSTALLED): pyproject.toml
	test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(PYTHON) -m pip install -e '.[test,devserver]'
	touch $@

venv: $(INSTALLED)

html: $(INSTALLED)
	"$(PELICAN)" "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS)

clean:
	[ ! -d "$(OUTPUTDIR)" ] || rm -rf "$(OUTPUTDIR)"

regenerate: $(INSTALLED)
	"$(PELICAN)" -r "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS)

serve: $(INSTALLED)
	"$(PELICAN)" -l "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS)

serve-global: $(INSTALLED)
	"$(PELICAN)" -l "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS) -b $(SERVER)

# Live preview: rebuilds on save and reloads the open pages (livereload, as
# Pelican's quickstart tasks.py does), in one process so the figure workers stay warm.
DEVSERVER_INSTALLED=$(VENV)/.installed-devserver
$(DEVSERVER_INSTALLED): $(INSTALLED)
	$(PYTHON) -m pip install -e '.[devserver]'
	touch $@

DEVPORT=$(if $(filter-out 0,$(PORT)),$(PORT),8000)
devserver: $(DEVSERVER_INSTALLED)
	$(PYTHON) tools/devserver.py "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" -p $(DEVPORT)

devserver-global: $(DEVSERVER_INSTALLED)
	$(PYTHON) tools/devserver.py "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" -p $(DEVPORT) -b 0.0.0.0

publish: $(INSTALLED)
	"$(PELICAN)" "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(PUBLISHCONF)" $(PELICANOPTS)

test: $(TEST_INSTALLED)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest
	$(MAKE) wheel-check

# What a blogger does: build the wheel, install it with its dependencies
# alone into a fresh virtual environment, and build the demo site with it.
WHEEL_DIR=$(BASEDIR)/build/wheel-check
wheel-check: $(TEST_INSTALLED)
	rm -rf "$(WHEEL_DIR)"
	$(PYTHON) -m build --wheel --outdir "$(WHEEL_DIR)/dist" .
	$(PY) -m venv "$(WHEEL_DIR)/venv"
	"$(WHEEL_DIR)/venv/bin/python" -m pip install --quiet "$(WHEEL_DIR)"/dist/*.whl
	cd "$(WHEEL_DIR)" && "$(WHEEL_DIR)/venv/bin/pelican" "$(INPUTDIR)" -o "$(WHEEL_DIR)/output" \
	    -s "$(CONFFILE)" -e 'CACHE_PATH="$(WHEEL_DIR)/cache"'
	"$(WHEEL_DIR)/venv/bin/python" "$(BASEDIR)/tests/check_wheel_site.py" "$(WHEEL_DIR)"

test-fast: $(TEST_INSTALLED)
	$(PYTHON) -m pytest -m fast

.PHONY: wheel-check html help clean regenerate serve serve-global devserver devserver-global publish test test-fast venv

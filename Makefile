# Two commands do all the setup on a fresh Debian machine:
#   make leaflets   system packages (apt, as root), .venv, the project, then every leaflet into build/
#   make test       the same setup, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: leaflets test check system clean

leaflets: $(STAMP)
	$(BIN)/leaflets build

test: $(STAMP)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/leaflets check

system:
	@scripts/system-packages.sh

# The stamp is newer than pyproject.toml once the project is installed, so a second run installs nothing.
$(STAMP): pyproject.toml | system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build

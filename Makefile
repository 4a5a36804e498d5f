# Two commands on a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean java

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[spark,test]'
	touch $(STAMP)

# Spark (the second engine) needs a Java runtime; install Debian's when the machine has none.
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

demo: $(STAMP)
	$(VENV)/bin/socmint demo --folder demo

test: $(STAMP) java
	$(VENV)/bin/ruff check socmint tests bench
	SPARK_LOCAL_IP=127.0.0.1 $(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(PY) bench/import_speed.py

clean:
	rm -rf demo bench/out .pytest_cache

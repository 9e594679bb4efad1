# Entry points of the project. See README.md.
#   make deps    install every Debian package the project needs (root, apt-get)
#   make         build every component
#   make check   run every test suite; ends with "N passed, N failed"
#   make run     the main job
#   make bench   benchmarks (figures only, no assertions on time)
#   make fuzz    longer fuzzing runs
#   make style   style checks (clang-format, shellcheck, perltidy)
#   make mutate  mutation testing of the hypervisor: prints the mutation score
#
# Components plug in through mk/: deps.d/NAME.list (Debian packages),
# build.d/NAME (a build command), suites.d/NAME (a test suite command ending
# with "N passed, N failed"), bench.d/NAME (a benchmark command).

SHELL := /bin/bash
export JOBS ?= $(shell nproc)

.PHONY: all build deps check run bench fuzz style mutate clean

all: deps
	@mk/each.sh build

build:
	@mk/each.sh build

deps:
	@mk/deps.sh

check: deps
	@mk/each.sh build
	@mk/check-suites.sh $(SUITE)

run: deps
	@mk/each.sh build
	@mk/main-job.sh

bench: deps
	@mk/each.sh build
	@mk/each.sh bench

fuzz: deps
	$(MAKE) -C xen fuzz
	$(MAKE) -C xen
	$(MAKE) -C xtf
	xtf/xtf-runner --results results/fuzz hostile-fuzz-long

style:
	@mk/style.sh

# Not part of check (10-20 minutes); check runs its self-test (suite mutate).
mutate: deps
	@xen/test/mutate/mutate.py $(MUTATIONS)

clean:
	$(MAKE) -C xen clean

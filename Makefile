# lutsim build.  `make` builds everything into build/; `make run` and
# `make test` first make sure the Debian packages are there.
#
# Layers: cmodel/ and compiler/ are libraries with no I/O; sim/cli/ is the
# command line (argument parsing, files); tests/ links the libraries.

BUILD    ?= build
CC       ?= cc
CXX      ?= g++
# No FMA contraction: dequantization must round the same in every engine.
CFLAGS   ?= -O2 -g
CXXFLAGS ?= -O2 -g
override CFLAGS   += -std=c11 -Wall -Wextra -ffp-contract=off -MMD -MP -D_POSIX_C_SOURCE=200809L
override CXXFLAGS += -std=c++17 -Wall -Wextra -ffp-contract=off -MMD -MP
INC      := -Icmodel -Icompiler -Isim/cli -I$(BUILD)/gen
LDLIBS   := -ljansson -lm

CMODEL_SRC := $(wildcard cmodel/*.c)
COMPILER_SRC := $(wildcard compiler/*.c)
FRONT_SRC  := $(filter-out sim/cli/main.c,$(wildcard sim/cli/*.c))
TEST_SRC   := $(wildcard tests/test_*.cpp)
BENCH_SRC  := $(wildcard tests/bench/*.c)

CMODEL_LIB := $(BUILD)/libcmodel.a
COMPILER_LIB := $(BUILD)/libcompiler.a
FRONT_LIB  := $(BUILD)/libfront.a
LUTSIM     := $(BUILD)/lutsim
TEST_BINS  := $(patsubst tests/%.cpp,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
LIBS       := $(FRONT_LIB) $(COMPILER_LIB) $(CMODEL_LIB)

.PHONY: all deps run test bench clean
all: $(LUTSIM) $(TEST_BINS) $(BENCH_BINS)

deps:
	@bash scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(INC) -c $< -o $@

$(CMODEL_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(CMODEL_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(COMPILER_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(COMPILER_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(FRONT_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(FRONT_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# embedded data files: each EMBED file becomes build/gen/embed_NAME.c
# (NAME = its path under workloads/ with /, . and - as _, e.g. energy_default)
# defining `const char embed_NAME[]`, linked into libfront.a.
EMBED      := workloads/energy/default.json
# model configs and quantization presets, looked up by short name in
# sim/cli/workload_embed.c
EMBED      += $(patsubst %,workloads/models/%.json,llama-2-7b llama-2-13b llama-2-70b llama-3-8b bitnet-b1.58-3b \
                opt-6.7b mistral-7b qwen2-7b phi-3-mini gemma-7b tiny)
EMBED      += $(patsubst %,workloads/quant/%.json,W1.58A8 W1A8 W2A8 W3A8 W4A8 W8A8)
# the roofline plot script, piped to gnuplot by `lutsim run --plot`
EMBED      += scripts/plots/roofline.gp
EMBED_TOOL := $(BUILD)/embed
embed_name  = $(subst -,_,$(subst .,_,$(subst /,_,$(basename $(patsubst workloads/%,%,$(1))))))
EMBED_OBJ  := $(foreach f,$(EMBED),$(BUILD)/obj/$(BUILD)/gen/embed_$(call embed_name,$(f)).o)
$(EMBED_TOOL): scripts/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<
define embed_rule
$(BUILD)/gen/embed_$(call embed_name,$(1)).c: $(1) $(EMBED_TOOL)
	@mkdir -p $$(dir $$@)
	$(EMBED_TOOL) $(call embed_name,$(1)) $(1) > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach f,$(EMBED),$(eval $(call embed_rule,$(f))))
$(FRONT_LIB): $(EMBED_OBJ)

$(LUTSIM): $(BUILD)/obj/sim/cli/main.o $(LIBS)
	$(CC) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $< $(LIBS) -lgtest -lgtest_main -pthread $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(LIBS) $(LDLIBS)

# The tests find the command line and the python interop helper here.
$(BUILD)/obj/tests/%.o: CXXFLAGS += -DLUTSIM_BIN='"$(abspath $(LUTSIM))"' -DSRC_DIR='"$(abspath .)"'

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/demo.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/run-tests.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/run-bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

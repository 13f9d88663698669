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
# Instrumentation for every compile and link (`make sanitize` sets it).  Given
# as its own variable rather than through CFLAGS/CXXFLAGS, which a command
# line would also hand down to Verilator's makefile.
SAN_FLAGS ?=
override CFLAGS   += $(SAN_FLAGS)
override CXXFLAGS += $(SAN_FLAGS)
override LDFLAGS  += $(SAN_FLAGS)
INC      := -Icmodel -Icompiler -Isim/cli -Isim/dse -Isim/rtl -Isim/sc -I$(BUILD)/gen
LDLIBS   := -ljansson -lsqlite3 -lm

CMODEL_SRC := $(wildcard cmodel/*.c)
COMPILER_SRC := $(wildcard compiler/*.c)
# sim/dse/ is the exploration layer (sweeps); it builds into the front-end library.
FRONT_SRC  := $(filter-out sim/cli/main.c,$(wildcard sim/cli/*.c)) $(wildcard sim/dse/*.c)
TEST_SRC   := $(wildcard tests/test_*.cpp)
BENCH_SRC  := $(wildcard tests/bench/*.c)

CMODEL_LIB := $(BUILD)/libcmodel.a
COMPILER_LIB := $(BUILD)/libcompiler.a
FRONT_LIB  := $(BUILD)/libfront.a
LUTSIM     := $(BUILD)/lutsim
TEST_BINS  := $(patsubst tests/%.cpp,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
LIBS       := $(FRONT_LIB) $(COMPILER_LIB) $(CMODEL_LIB)

# `lutsim version` names the build's `git describe` when the source is a git
# checkout.  build/gen/version.h is written at parse time and only when its
# text changes, so a second `make` rebuilds nothing; the describe string is
# reduced to [A-Za-z0-9._+-] (a tag name is data, not C or shell).
GIT_DESCRIBE := $(shell git describe --tags --always --dirty 2>/dev/null | tr -cd 'A-Za-z0-9._+-')
$(shell mkdir -p $(BUILD)/gen && \
  printf '#define LUTSIM_GIT_DESCRIBE "%s"\n' '$(GIT_DESCRIBE)' > $(BUILD)/gen/version.h.tmp && \
  { cmp -s $(BUILD)/gen/version.h.tmp $(BUILD)/gen/version.h && rm -f $(BUILD)/gen/version.h.tmp || \
    mv $(BUILD)/gen/version.h.tmp $(BUILD)/gen/version.h; })

.PHONY: all deps run test bench clean
# Objects of the tests and benches are intermediates of pattern rules: keep
# them, so a second `make` with nothing changed does nothing.
.SECONDARY:
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
# the area figures and the fitted logic coefficients (`make area-fit`)
EMBED      += workloads/area/default.json workloads/area/logic_fit.json
# model configs and quantization presets, looked up by short name in
# sim/cli/workload_embed.c
EMBED      += $(patsubst %,workloads/models/%.json,llama-2-7b llama-2-13b llama-2-70b llama-3-8b bitnet-b1.58-3b \
                opt-6.7b mistral-7b qwen2-7b phi-3-mini gemma-7b tiny \
                mixtral-8x7b qwen1.5-moe-a2.7b olmoe-1b-7b deepseek-v2-lite opt-1.3b)
EMBED      += $(patsubst %,workloads/quant/%.json,W1.58A8 W1A8 W2A8 W3A8 W4A8 W8A8 W4A8-asym W4A8-e8 \
                W1.58A8-tensor W1.58A8-trit5 W2A4 W4A4 W4A16 W3A8-bitmod W4A8-bitmod \
                FP16 BitMoD-lossless BitMoD-lossy ANT-4b OliVe-4b)
# the roofline plot script, written into DIR/roofline.gp by `lutsim run --plot`
EMBED      += scripts/plots/roofline.gp
EMBED      += scripts/plots/compare.gp
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

# The SystemC system model (sim/sc/, --engine systemc): Debian's SystemC
# 2.3.4 is built for C++17 (the project's standard).  libsystemc.so defines
# main(); the command line's own main.o comes first on the link line.
SC_SRC     := $(wildcard sim/sc/*.cpp)
SC_LIB     := $(BUILD)/libsc.a
SC_LDLIBS  := -lsystemc
$(SC_LIB): $(patsubst %.cpp,$(BUILD)/obj/%.o,$(SC_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The command line links the Verilated RTL (--engine rtl|both): C++ link.
$(LUTSIM): $(BUILD)/obj/sim/cli/main.o $(LIBS) $(SC_LIB)
	$(CXX) $(LDFLAGS) -o $@ $< $(FRONT_LIB) $(SC_LIB) $(RTL_LIB) $(COMPILER_LIB) $(CMODEL_LIB) -pthread -ldl $(SC_LDLIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(LIBS) -lgtest -lgtest_main -pthread $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

# The tests find the command line and the python interop helper here.
$(BUILD)/obj/tests/%.o: CXXFLAGS += -DLUTSIM_BIN='"$(abspath $(LUTSIM))"' -DSRC_DIR='"$(abspath .)"'

# bench_sweep times `lutsim sweep` against a loop over `lutsim run`.
$(BUILD)/obj/tests/bench/bench_sweep.o: CFLAGS += -DLUTSIM_BIN='"$(abspath $(LUTSIM))"'
$(BUILD)/bench/bench_sweep: | $(LUTSIM)
# bench_systemc times `lutsim gemm --engine cmodel|systemc` (one process each).
$(BUILD)/obj/tests/bench/bench_systemc.o: CFLAGS += -DLUTSIM_BIN='"$(abspath $(LUTSIM))"' -DSRC_DIR='"$(abspath .)"'
$(BUILD)/bench/bench_systemc: | $(LUTSIM)

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/demo.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/run-tests.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@bash scripts/run-bench.sh $(BUILD)

# A sweep on a private single-node Slurm cluster (scripts/slurm-local.sh,
# Debian's munge and slurm-wlm: `install-deps.sh slurm`) equals the same sweep
# on one machine (scripts/test-slurm.sh).
.PHONY: test-slurm
test-slurm:
	@bash scripts/install-deps.sh slurm
	@$(MAKE) --no-print-directory -j$$(nproc) $(LUTSIM)
	@bash scripts/test-slurm.sh $(BUILD)

# Mutation fuzz of every reader through the command line (scripts/cli-fuzz.py):
# crashes, hangs, multi-line errors, partial outputs, executed names.
CLI_FUZZ_CASES ?= 300
CLI_FUZZ_SEED  ?= 1
.PHONY: cli-fuzz
cli-fuzz: $(LUTSIM)
	@/usr/bin/python3 scripts/cli-fuzz.py --lutsim $(LUTSIM) --cases $(CLI_FUZZ_CASES) --seed $(CLI_FUZZ_SEED)

# RTL -----------------------------------------------------------------------
# The Verilog core (rtl/), built for ONE architecture: arch_ideal(), or
# RTL_ARCH=file.json.  Its includes are printed from the C tables by
# scripts/gen_rtl_includes.c (build/gen/isa.vh, build/gen/arch_params.vh).
# Verilator (--cc) makes build/rtl/vobj; build/librtl.a holds the harness
# (sim/rtl: rtl_run, the compare driver's library) and the Verilated objects.
RTL_ARCH     ?=
VERILATOR    ?= verilator
RTL_SRC      := $(wildcard rtl/*.v)
RTL_GEN      := $(BUILD)/gen/isa.vh $(BUILD)/gen/arch_params.vh
RTL_GEN_TOOL := $(BUILD)/rtl/gen_rtl_includes
RTL_VDIR     := $(BUILD)/rtl/vobj
RTL_VLIB     := $(RTL_VDIR)/Vlutc_top__ALL.a
RTL_VRT      := $(RTL_VDIR)/verilated.o $(RTL_VDIR)/verilated_vcd_c.o $(RTL_VDIR)/verilated_threads.o
RTL_LIB      := $(BUILD)/librtl.a
include sim/rtl/rtl_flags.mk
# rtl_cache.o picks the built-in model or a per-architecture one (dlopen);
# rtl_model_params.o is the built-in model's arch_params.vh as text.
RTL_OBJS     := $(BUILD)/obj/sim/rtl/rtl_engine.o $(BUILD)/obj/sim/rtl/rtl_memory.o \
                $(BUILD)/obj/sim/rtl/rtl_compare.o $(BUILD)/obj/sim/rtl/rtl_junit.o \
                $(BUILD)/obj/sim/rtl/rtl_params.o $(BUILD)/obj/sim/rtl/rtl_cache.o \
                $(BUILD)/obj/sim/cli/spawn.o $(BUILD)/obj/$(BUILD)/gen/rtl_model_params.o
RTL_LDLIBS   := $(RTL_LIB) $(COMPILER_LIB) $(CMODEL_LIB) -pthread -ldl -lm
RTL_COMPARE  := $(BUILD)/rtl/rtl-compare
RTL_BENCH    := $(BUILD)/bench/bench_rtl
RTL_VFLAGS   := $(RTL_VFLAGS_CORE) -I$(BUILD)/gen

.PHONY: rtl rtl-lint rtl-regress area
all: $(RTL_LIB) $(RTL_COMPARE) $(RTL_BENCH)
rtl: $(RTL_LIB) $(RTL_COMPARE)

$(RTL_GEN_TOOL): scripts/gen_rtl_includes.c $(BUILD)/obj/sim/rtl/rtl_params.o $(FRONT_LIB) $(CMODEL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -o $@ $< $(BUILD)/obj/sim/rtl/rtl_params.o $(FRONT_LIB) $(CMODEL_LIB) $(LDLIBS)
# Each include is rewritten only when its text changes (so Verilator does not
# re-run when the generator was merely relinked); the stamp records that the
# generator ran, so a second `make` runs nothing.
$(BUILD)/gen/isa.vh: $(BUILD)/gen/isa.vh.stamp ;
$(BUILD)/gen/isa.vh.stamp: $(RTL_GEN_TOOL)
	@mkdir -p $(dir $@)
	$(RTL_GEN_TOOL) isa > $(@:.stamp=).tmp && { cmp -s $(@:.stamp=).tmp $(@:.stamp=) && rm $(@:.stamp=).tmp || mv $(@:.stamp=).tmp $(@:.stamp=); }
	@touch $@
$(BUILD)/gen/arch_params.vh: $(BUILD)/gen/arch_params.vh.stamp ;
$(BUILD)/gen/arch_params.vh.stamp: $(RTL_GEN_TOOL) $(RTL_ARCH)
	@mkdir -p $(dir $@)
	$(RTL_GEN_TOOL) arch $(if $(RTL_ARCH),--arch $(RTL_ARCH)) > $(@:.stamp=).tmp && { cmp -s $(@:.stamp=).tmp $(@:.stamp=) && rm $(@:.stamp=).tmp || mv $(@:.stamp=).tmp $(@:.stamp=); }
	@touch $@

# The built-in model's includes as text (rtl_model.h): the cache compares
# every architecture's against it.
$(BUILD)/gen/rtl_model_params.c: $(BUILD)/gen/arch_params.vh $(EMBED_TOOL)
	$(EMBED_TOOL) rtl_model_params $< > $@.tmp && mv $@.tmp $@
# What a cached per-architecture model's bytes depend on besides its
# includes (rtl_cache.h: part of its key), and where its sources and
# libraries are; rewritten only when the text changes.
RTL_MODEL_SRC := rtl/*.v $(addprefix sim/rtl/,rtl_engine.cpp rtl_memory.cpp rtl_params.c rtl_engine.h \
                 rtl_memory.h rtl_model.h rtl_params.h model.mk rtl_flags.mk) scripts/embed.c cmodel/*.c cmodel/*.h
RTL_SRC_SUM := $(shell cat $(RTL_MODEL_SRC) | cksum | tr -cd '0-9 ')
$(shell mkdir -p $(BUILD)/gen && \
  printf '#define LUTSIM_RTL_SRC_SUM "%s"\n#define LUTSIM_SRC_DIR "%s"\n#define LUTSIM_BUILD_DIR "%s"\n' \
    '$(RTL_SRC_SUM)' '$(abspath .)' '$(abspath $(BUILD))' > $(BUILD)/gen/rtl_src_sum.h.tmp && \
  { cmp -s $(BUILD)/gen/rtl_src_sum.h.tmp $(BUILD)/gen/rtl_src_sum.h && rm -f $(BUILD)/gen/rtl_src_sum.h.tmp || \
    mv $(BUILD)/gen/rtl_src_sum.h.tmp $(BUILD)/gen/rtl_src_sum.h; })
# A per-architecture model links these from this build tree (model.mk).
$(RTL_LIB): $(EMBED_TOOL) $(CMODEL_LIB)

rtl-lint: $(RTL_GEN)
	$(VERILATOR) --lint-only -Wall --top-module lutc_top -I$(BUILD)/gen $(RTL_SRC)
	for t in pe_mac_int pe_systolic pe_mac_fp16 pe_bitmod; do \
	    $(VERILATOR) --lint-only -Wall --top-module $$t rtl/pe/*.v || exit 1; done

# (the includes are rewritten only when their text changes; the stamp keeps
# Verilator from re-running when only their time stamp moved)
$(RTL_VLIB): $(RTL_SRC) $(RTL_GEN) sim/rtl/rtl_flags.mk
	$(VERILATOR) $(RTL_VFLAGS) --no-skip-identical -Mdir $(RTL_VDIR) $(RTL_SRC)
	$(MAKE) --no-print-directory -s -C $(RTL_VDIR) -f Vlutc_top.mk OPT_FAST="$(RTL_OPT_FAST)" OPT_SLOW="$(RTL_OPT_SLOW)" \
	    Vlutc_top__ALL.a $(RTL_VRT_OBJS)
$(RTL_VRT): $(RTL_VLIB)

$(BUILD)/obj/sim/rtl/%.o $(BUILD)/obj/tests/test_rtl_%.o $(BUILD)/obj/tests/bench/bench_rtl.o: \
    CXXFLAGS += -Isim/rtl -isystem $(RTL_VDIR) -isystem $(RTL_VINC) -isystem $(RTL_VINC)/vltstd
$(BUILD)/obj/sim/rtl/rtl_engine.o $(BUILD)/obj/sim/rtl/rtl_memory.o: $(RTL_VLIB)

$(RTL_LIB): $(RTL_OBJS) $(RTL_VLIB) $(RTL_VRT)
	rm -rf $(BUILD)/rtl/ar && mkdir -p $(BUILD)/rtl/ar
	cd $(BUILD)/rtl/ar && ar x $(abspath $(RTL_VLIB))
	rm -f $@ && ar rcs $@ $(RTL_OBJS) $(BUILD)/rtl/ar/*.o $(RTL_VRT)

$(RTL_COMPARE): $(BUILD)/obj/sim/rtl/rtl_compare_main.o $(RTL_LIB) $(COMPILER_LIB) $(CMODEL_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(RTL_LDLIBS)

$(BUILD)/tests/test_rtl_%: $(BUILD)/obj/tests/test_rtl_%.o $(RTL_LIB) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(RTL_LIB) $(LIBS) -lgtest -lgtest_main -pthread -ldl $(LDLIBS)

$(RTL_BENCH): $(BUILD)/obj/tests/bench/bench_rtl.o $(RTL_LIB) $(COMPILER_LIB) $(CMODEL_LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(RTL_LDLIBS)

# The baseline PEs (rtl/pe/) Verilated on their own for their functional
# test against C references (tests/test_pe_rtl.cpp): one model per PE, each
# in its own directory; the Verilator runtime objects come from the first.
PE_VDIR   := $(BUILD)/rtl/pe
PE_TOPS   := pe_mac_fp16 pe_bitmod
PE_VLIBS  := $(foreach t,$(PE_TOPS),$(PE_VDIR)/$(t)/V$(t)__ALL.a)
PE_VRT    := $(PE_VDIR)/pe_mac_fp16/verilated.o $(PE_VDIR)/pe_mac_fp16/verilated_threads.o
define PE_VERILATE
$(PE_VDIR)/$(1)/V$(1)__ALL.a: rtl/pe/$(1).v
	@mkdir -p $(PE_VDIR)/$(1)
	$$(VERILATOR) --cc -O3 -Wall --top-module $(1) -Mdir $(PE_VDIR)/$(1) $$<
	$$(MAKE) --no-print-directory -s -C $(PE_VDIR)/$(1) -f V$(1).mk OPT_FAST=-O2 \
	    V$(1)__ALL.a verilated.o verilated_threads.o
endef
$(foreach t,$(PE_TOPS),$(eval $(call PE_VERILATE,$(t))))
$(PE_VRT): $(PE_VDIR)/pe_mac_fp16/Vpe_mac_fp16__ALL.a
$(BUILD)/obj/tests/test_pe_rtl.o: CXXFLAGS += $(foreach t,$(PE_TOPS),-isystem $(PE_VDIR)/$(t)) \
    -isystem $(RTL_VINC) -isystem $(RTL_VINC)/vltstd
$(BUILD)/obj/tests/test_pe_rtl.o: $(PE_VLIBS)
$(BUILD)/tests/test_pe_rtl: $(BUILD)/obj/tests/test_pe_rtl.o $(PE_VLIBS) $(PE_VRT)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(PE_VLIBS) $(PE_VRT) -lgtest -lgtest_main -pthread $(LDLIBS)

SEEDS  ?= 50
SEED   ?= 1
MEMORY ?= all
ARCHS  ?= 0
rtl-regress: $(RTL_COMPARE)
	@bash scripts/rtl-regress.sh $(BUILD) $(SEEDS) $(SEED) $(MEMORY) $(ARCHS)

# The area model (README "Area") of the default architecture: no synthesis.
area: $(LUTSIM)
	$(LUTSIM) arch --area
# The area model's logic coefficients: synthesise every RTL unit at its fit
# and held-out points and fit (writes the committed workloads/area/logic_fit.json);
# area-check synthesises the held-out points again against the committed file.
.PHONY: area-fit area-check
# UNITS=a,b synthesises only those units (area-fit keeps the others' committed entries).
AREA_UNITS = $(if $(UNITS),--units $(UNITS))
area-fit: $(RTL_GEN_TOOL)
	@/usr/bin/python3 scripts/area-fit.py fit $(BUILD) workloads/area/logic_fit.json $(AREA_UNITS)
area-check: $(RTL_GEN_TOOL)
	@/usr/bin/python3 scripts/area-fit.py check $(BUILD) workloads/area/logic_fit.json $(AREA_UNITS)
# end RTL -------------------------------------------------------------------

# Fuzzing and the corpus replay test ---------------------------------------
include tests/fuzz/fuzz.mk

# Sanitizers ----------------------------------------------------------------
# `make sanitize`: everything built again into $(SAN_BUILD) with AddressSanitizer
# and UndefinedBehaviorSanitizer (every report fatal), then the whole test
# suite on it.  The Verilated RTL model stays uninstrumented (Verilator's own
# makefile compiles it); its harness in sim/rtl/ is instrumented.
SAN_BUILD    ?= build-san
# -fPIC: a per-architecture RTL model (sim/rtl/model.mk) links this build's
# libcmodel.a into a shared library, which instrumented objects can join
# only as position-independent code (ld: "recompile with -fPIC").
SANITIZE     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
                -fPIC
.PHONY: sanitize
# LSAN_OPTIONS=use_stacks=0: after `--engine systemc`, LeakSanitizer's exit
# scan takes an SC_THREAD's coroutine stack (QuickThreads, with guard pages)
# for the main thread's and crashed reading it ("Tracer caught signal 11",
# 2 to 3 runs in 12 of one GEMM, on this tree and the one before).  Without
# stacks as roots the scan finds every leak it found before and can only
# report more (a block reachable from a stack alone would count as leaked).
sanitize: deps
	@$(MAKE) --no-print-directory -j$$(nproc) BUILD=$(SAN_BUILD) SAN_FLAGS="$(SANITIZE)" all
	@LSAN_OPTIONS=use_stacks=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1 bash scripts/run-tests.sh $(SAN_BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# lutsim needs the RTL library (declared after the RTL block defines it).
$(LUTSIM): $(RTL_LIB)

# The simulator's dispatch loop and hazard scan are where a sweep spends
# its time (make bench: bench_sweep); -O3's unrolling of the scan's short
# loops over a footprint's ranges is measured there.
$(BUILD)/obj/cmodel/scoreboard.o $(BUILD)/obj/cmodel/sim.o: override CFLAGS += -O3

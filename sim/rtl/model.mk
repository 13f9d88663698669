# model.mk - one per-architecture RTL model as a shared library (rtl_cache.h).
#
#   make -j2 -f sim/rtl/model.mk SRC=REPO BUILD=BUILDDIR WORK=DIR OUT=LIB.so
#
# DIR/gen holds isa.vh and arch_params.vh (written by the caller, lutsim);
# BUILDDIR is the build tree lutsim was built in (libcmodel.a, the embed
# tool, rtl_params.o).  Every tool's output goes to DIR/build.log.  On
# success the library is renamed to OUT (one rename: never half a library)
# and DIR removed; on failure one line on stderr names what failed and DIR
# stays for its log.
include $(SRC)/sim/rtl/rtl_flags.mk
VERILATOR ?= verilator
CXX       ?= g++
VDIR      := $(WORK)/vobj
LOG       := $(WORK)/build.log
VLIB      := $(VDIR)/Vlutc_top__ALL.a
HARNESS   := $(WORK)/rtl_engine.o $(WORK)/rtl_memory.o $(WORK)/params.o
HCXXFLAGS := -std=c++17 -O2 -fPIC -ffp-contract=off -I$(SRC)/cmodel -I$(SRC)/compiler \
             -I$(SRC)/sim/rtl -I$(SRC)/sim/cli -I$(BUILD)/gen \
             -isystem $(VDIR) -isystem $(RTL_VINC) -isystem $(RTL_VINC)/vltstd
fail       = { echo "$(1): see $(LOG)" >&2; exit 1; }

.PHONY: all check
all: $(OUT)

check:
	@command -v $(VERILATOR) >/dev/null 2>&1 || \
	    { echo "verilator is not installed (make deps, or apt-get install verilator)" >&2; exit 1; }
	@command -v $(CXX) >/dev/null 2>&1 || { echo "$(CXX) (the C++ compiler) is not installed" >&2; exit 1; }

$(VLIB): | check
	@$(VERILATOR) $(RTL_VFLAGS_CORE) -I$(WORK)/gen -Mdir $(VDIR) $(SRC)/rtl/*.v >>$(LOG) 2>&1 || \
	    $(call fail,verilator failed on the generated includes)
	@$(MAKE) -C $(VDIR) -f Vlutc_top.mk OPT=-fPIC OPT_FAST="$(RTL_OPT_FAST)" OPT_SLOW="$(RTL_OPT_SLOW)" Vlutc_top__ALL.a $(RTL_VRT_OBJS) \
	    >>$(LOG) 2>&1 || $(call fail,compiling the Verilated model failed)

$(WORK)/params.c: $(WORK)/gen/arch_params.vh
	@$(BUILD)/embed rtl_model_params $< > $@ 2>>$(LOG) || $(call fail,embedding the includes failed)
$(WORK)/params.o: $(WORK)/params.c
	@$(CC) -O2 -fPIC -c $< -o $@ >>$(LOG) 2>&1 || $(call fail,compiling $<  failed)
$(WORK)/%.o: $(SRC)/sim/rtl/%.cpp $(VLIB)
	@$(CXX) $(HCXXFLAGS) -c $< -o $@ >>$(LOG) 2>&1 || $(call fail,compiling the harness $< failed)

$(OUT): $(HARNESS) $(VLIB)
	@$(CXX) -shared -Wl,-Bsymbolic -o $(WORK)/lutc_rtl.so $(HARNESS) $(BUILD)/obj/sim/rtl/rtl_params.o \
	    $(VLIB) $(addprefix $(VDIR)/,$(RTL_VRT_OBJS)) $(BUILD)/libcmodel.a -pthread -lm >>$(LOG) 2>&1 || \
	    $(call fail,linking the model library failed)
	@mv -f $(WORK)/lutc_rtl.so $@ && rm -rf $(WORK)

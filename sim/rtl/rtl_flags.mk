# rtl_flags.mk - how the core (rtl/) is Verilated: shared by the Makefile's
# built-in model and sim/rtl/model.mk's per-architecture models (rtl_cache.h),
# so both are the same model of their parameters.
RTL_VFLAGS_CORE := --cc -O3 --trace --x-initial 0 -Wall --top-module lutc_top --unroll-count 600 --unroll-stmts 1000000
# How the Verilated C++ is compiled.  The dynamic vectorizer cost model lets
# gcc -O2 vectorize Verilator's wide-word copies (VL_ASSIGN_W: the LUT
# array's 32 Kbit accumulator register every busy cycle), which -O2's cheap
# model leaves as a scalar loop because it would need an alias check.  The
# __Slow files (constructor, reset) get -O1: unoptimised, zeroing the 1.3 MB
# of buffers costs more than a short run's cycles.
RTL_OPT_FAST    := -O2 -fvect-cost-model=dynamic
RTL_OPT_SLOW    := -O1
RTL_VINC        := /usr/share/verilator/include
RTL_VRT_OBJS    := verilated.o verilated_vcd_c.o verilated_threads.o

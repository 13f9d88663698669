# rtl_flags.mk - how the core (rtl/) is Verilated: shared by the Makefile's
# built-in model and sim/rtl/model.mk's per-architecture models (rtl_cache.h),
# so both are the same model of their parameters.
RTL_VFLAGS_CORE := --cc -O3 --trace --x-initial 0 -Wall --top-module lutc_top --unroll-count 600 --unroll-stmts 1000000
RTL_VINC        := /usr/share/verilator/include
RTL_VRT_OBJS    := verilated.o verilated_vcd_c.o verilated_threads.o

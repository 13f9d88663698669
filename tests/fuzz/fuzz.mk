# Fuzzing and the corpus replay test (included by the Makefile).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="npy asm"]
#     builds one libFuzzer binary per tests/fuzz/fuzz_NAME.c into
#     $(BUILD)/fuzz/ (clang, -fsanitize=fuzzer,address,undefined; the
#     libraries are rebuilt there by a second make with BUILD=$(BUILD)/fuzz)
#     and runs each for N seconds (scripts/fuzz.sh).  Needs clang and
#     libclang-rt-14-dev: `bash scripts/install-deps.sh fuzz`.
#   make fuzz-cli [FUZZ_SECONDS=N] [FUZZ_CLI_READERS="arch npy"]
#     mutated inputs through the sanitizer build of lutsim itself.
#   build/tests/test_fuzz_corpus (in `make test`, g++ only) replays every
#     input in tests/fuzz/corpus/NAME/ (inputs that once found a bug) and
#     the workloads/ files through the same targets.

FUZZ_NAMES   := npy arch energy model quant asm prog sim safetensors
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -O1 -g -fno-omit-frame-pointer
# fuzzer-no-link: coverage for libFuzzer in every object; the fuzzer's own
# main is linked into the targets only.  UBSan stays recoverable so that a
# suppression can be tried from UBSAN_OPTIONS; scripts/fuzz.sh makes every
# report fatal (halt_on_error=1).
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined

FUZZ_COMMON  := tests/fuzz/fuzz_common.c
FUZZ_SRC     := $(patsubst %,tests/fuzz/fuzz_%.c,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build fuzz-bins fuzz-cli
fuzz: fuzz-build
	@bash scripts/fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The same readers through the real command line: mutated files into the
# sanitizer build of lutsim (scripts/fuzz_cli.py), FUZZ_SECONDS per reader.
FUZZ_CLI_READERS ?=
fuzz-cli: deps
	@$(MAKE) --no-print-directory -j$$(nproc) BUILD=$(SAN_BUILD) SAN_FLAGS="$(SANITIZE)" $(SAN_BUILD)/lutsim
	@/usr/bin/python3 scripts/fuzz_cli.py $(SAN_BUILD)/lutsim $(FUZZ_SECONDS) $(FUZZ_CLI_READERS)

fuzz-build:
	@bash scripts/install-deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
	    SAN_FLAGS="$(FUZZ_SAN)" fuzz-bins

# Inside the second make ($(BUILD) is the fuzz folder): the targets, and
# the seeds that gen_seeds writes (npy, asm, prog, sim).
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_NAMES))
fuzz-bins: $(FUZZ_BINS) $(BUILD)/seeds/.stamp

$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/fuzz_common.o $(LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/obj/tests/fuzz/fuzz_common.o $(LIBS) $(LDLIBS)

$(BUILD)/gen_seeds: $(BUILD)/obj/tests/fuzz/gen_seeds.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/seeds/.stamp: $(BUILD)/gen_seeds
	rm -rf $(BUILD)/seeds
	$(BUILD)/gen_seeds $(BUILD)/seeds
	touch $@

# The replay test: the same target files compiled with the C compiler, each
# entry point renamed so that all of them link into one GoogleTest binary.
FUZZ_REPLAY_OBJ := $(patsubst %,$(BUILD)/obj/tests/fuzz/replay_%.o,$(FUZZ_NAMES)) \
                   $(BUILD)/obj/tests/fuzz/replay_common.o
$(BUILD)/obj/tests/fuzz/replay_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -Itests/fuzz -DLLVMFuzzerTestOneInput=fuzz_$*_one_input -c $< -o $@
$(BUILD)/obj/tests/fuzz/replay_common.o: $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) -c $< -o $@
$(BUILD)/obj/tests/fuzz/%.o: CFLAGS += -Itests/fuzz

$(BUILD)/tests/test_fuzz_corpus: $(BUILD)/obj/tests/test_fuzz_corpus.o $(FUZZ_REPLAY_OBJ) $(LIBS)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $< $(FUZZ_REPLAY_OBJ) $(LIBS) -lgtest -lgtest_main -pthread $(LDLIBS)
$(BUILD)/obj/tests/test_fuzz_corpus.o: CXXFLAGS += -Itests/fuzz

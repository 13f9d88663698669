// rtl_memory.h - the testbench's memory behind the core's AXI4-style port
// (rtl/lutc_top.v): it accepts AR / AW / W, applies writes to the image,
// and returns R beats and B responses by ID, in one of three modes
// (rtl_engine.h, rtl_memory_kind):
//   ideal   every channel always ready while the bus has bandwidth (a token
//           of dram bytes per cycle, a transaction takes one burst of it),
//           and each response dram_latency cycles after its request: the
//           beat is presented in cycle t + L - 1 for a request accepted in
//           cycle t, so its data is in the buffer from t + L;
//   dram    each burst is a request to the C model's DRAM device
//           (cmodel/dram_dev.h, the same code, the arch's device): accepted
//           no earlier than the device takes it, answered dram_latency
//           after the device's completion;
//   port    each burst is a call of the memory outside (the SystemC
//           system's DRAM target): accepted no earlier than the memory took
//           the previous one, answered dram_latency after its completion;
//   random  seeded: each channel ready with probability 3/4 per cycle,
//           each response dram_latency + U[0, 2 x dram_latency] cycles
//           after its request, due responses returned in random order
//           (across IDs) with gaps.
// One R beat and one B response per cycle at most.  It also checks the
// core's side of the handshakes: a valid that was not accepted must stay
// up with the same address and ID (W: the same data) the next cycle.
#ifndef RTL_MEMORY_H
#define RTL_MEMORY_H

#include "arch.h"
#include "dram_dev.h"
#include "rtl_engine.h"

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

class Vlutc_top;

class RtlMemory {
public:
    // beat: the port's data bytes (the RTL build's dram burst; a DRAM
    // device may move it in smaller bursts of its own)
    RtlMemory(const arch_t *arch, const rtl_memory *mode, uint64_t beat, uint8_t *image,
              size_t size);
    ~RtlMemory();
    RtlMemory(const RtlMemory &) = delete;
    RtlMemory &operator=(const RtlMemory &) = delete;
    // "" when the mode could be set up, else a one-line reason.
    const std::string &error() const { return err_; }
    // Before cycle n's evaluation: ready signals and this cycle's responses.
    void drive(Vlutc_top *top, uint64_t n);
    // After it: the handshakes of cycle n.  false (with error()) when the
    // core broke the protocol (an unknown ID, a burst outside the image).
    bool observe(Vlutc_top *top, uint64_t n);
    size_t outstanding() const { return pend_.size() + aw_.size(); }
    // The program the core streams (issue.ibuf_entries > 0), read-only at
    // [base, base + bytes): reads past its end return zeros up to `span`.
    void set_program(uint64_t base, std::vector<uint8_t> bytes, uint64_t span);
    uint64_t read_bytes = 0, write_bytes = 0; // beats x beat bytes

private:
    struct Rsp {
        uint64_t due;
        uint32_t id;
        bool write;
        uint64_t addr;
    };
    struct Aw {
        uint64_t addr;
        uint32_t id;
    };
    uint64_t latency_for(uint64_t n, uint64_t addr, bool write);
    bool ready(uint64_t n, bool write);
    int pick(uint64_t n, bool write);

    const arch_t *arch_;
    rtl_memory_kind kind_;
    uint8_t *img_;
    size_t size_;
    uint64_t L_, B_;
    double bpc_, credit_ = 0;
    std::mt19937_64 rng_;
    dram_dev *dev_ = nullptr;
    sim_dram_port_fn port_; // port: the memory outside
    void *port_ctx_;
    uint64_t dev_free_ = 0; // dram, port: the memory takes no request before this
    std::vector<Rsp> pend_;
    size_t npend_[2] = { 0, 0 }; // pend_'s reads, writes
    std::deque<Aw> aw_;             // accepted AW waiting for its W
    std::deque<std::vector<uint8_t>> w_; // accepted W waiting for its AW (data, strobes)
    // AXI: a valid not yet taken stays up, its payload unchanged
    struct Held {
        bool valid = false;
        uint64_t addr = 0;
        uint32_t id = 0;
    };
    bool held_ok(const char *ch, Held *h, bool valid, bool ready, uint64_t addr, uint32_t id);
    Held har_, haw_, hw_;
    bool rdrive_ = false, bdrive_ = false;
    size_t rsel_ = 0, bsel_ = 0;
    bool arr_ = false, awr_ = false, wr_ = false;
    std::string err_;
    uint64_t prog_base_ = 0, prog_span_ = 0;
    std::vector<uint8_t> prog_;
    bool in_program(uint64_t a) const { return a >= prog_base_ && a - prog_base_ < prog_span_; }
};

#endif

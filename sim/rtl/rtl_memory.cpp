// rtl_memory.cpp - the testbench memory of the RTL (rtl_memory.h).
#include "rtl_memory.h"

#include "Vlutc_top.h"

#include <cstdio>
#include <cstring>

RtlMemory::RtlMemory(const arch_t *arch, const rtl_memory *mode, uint64_t beat, uint8_t *image,
                     size_t size)
    : arch_(arch), kind_(mode ? mode->kind : RTL_MEM_IDEAL), img_(image), size_(size),
      L_((uint64_t)arch->dram_latency), B_(beat),
      bpc_(arch_dram_bytes_per_cycle(arch)), rng_(mode ? mode->seed : 0),
      port_(mode ? mode->port : nullptr), port_ctx_(mode ? mode->port_ctx : nullptr)
{
    if (kind_ == RTL_MEM_PORT && !port_) {
        err_ = "the RTL's memory port has no memory behind it (no port callback)";
        return;
    }
    if (kind_ == RTL_MEM_DRAM) {
        dram_spec s;
        char why[300];
        int dev = arch_dram_spec(arch, &s, why, sizeof why);
        if (dev != 1) {
            err_ = dev < 0 ? std::string(why)
                           : std::string("--memory dram: arch \"") + arch->name +
                                 "\" has dram.model \"ideal\": name a DRAM device (e.g. "
                                 "\"lpddr5-6400\") to serve the RTL with it";
            return;
        }
        dev_ = dram_dev_new(&s, arch->clock_ghz, why, sizeof why);
        if (!dev_) {
            err_ = why;
            return;
        }
        /* as the C model opens it (sim_dram.c) */
        dram_dev_refresh_first(dev_, (uint64_t)s.tREFI / 2);
    }
}

RtlMemory::~RtlMemory() { dram_dev_free(dev_); }

void RtlMemory::set_program(uint64_t base, std::vector<uint8_t> bytes, uint64_t span)
{
    prog_base_ = base;
    prog_ = std::move(bytes);
    prog_span_ = span > prog_.size() ? span : prog_.size();
}

bool RtlMemory::ready(uint64_t n, bool write)
{
    (void)write;
    switch (kind_) {
    case RTL_MEM_RANDOM:
        return rng_() % 4 != 0;
    case RTL_MEM_DRAM:
    case RTL_MEM_PORT:
        return n >= dev_free_;
    default:
        return credit_ >= (double)B_ || bpc_ >= (double)B_;
    }
}

/* The cycle from which the response to a burst accepted in cycle n is
 * presented. */
uint64_t RtlMemory::latency_for(uint64_t n, uint64_t addr, bool write)
{
    const uint64_t base = L_ > 0 ? L_ - 1 : 0;
    if (kind_ == RTL_MEM_RANDOM)
        return n + base + rng_() % (2 * L_ + 1);
    if (kind_ == RTL_MEM_DRAM) {
        dram_req r = { addr, 1, B_, B_, write ? 1 : 0, n };
        dram_done d = { n, n, 0 };
        long id = dram_submit(dev_, &r);
        if (id >= 0)
            dram_wait(dev_, id, &d);
        dev_free_ = d.accepted > n ? d.accepted : n;
        return (d.complete > n ? d.complete : n) + base;
    }
    if (kind_ == RTL_MEM_PORT) {
        const uint64_t burst = arch_->dram_burst > 0 ? (uint64_t)arch_->dram_burst : B_;
        sim_dram_req r = { addr, 1, B_, B_, write ? 1 : 0, n, (B_ + burst - 1) / burst };
        sim_dram_grant g = { n, n, n, 0 };
        port_(port_ctx_, &r, &g);
        dev_free_ = g.accepted > n ? g.accepted : n;
        return (g.complete > n ? g.complete : n) + base;
    }
    return n + base;
}

/* Which due response to present this cycle (-1: none). */
int RtlMemory::pick(uint64_t n, bool write)
{
    if (npend_[write] == 0)
        return -1; // (and no random draw: the scan below would make none)
    if (kind_ == RTL_MEM_IDEAL) {
        // every response is due a fixed latency after its request, so the
        // first of its kind is due first (and wins ties by its index)
        for (size_t i = 0; i < pend_.size(); i++)
            if (pend_[i].write == write)
                return pend_[i].due <= n ? (int)i : -1;
    }
    int best = -1, count = 0;
    for (size_t i = 0; i < pend_.size(); i++) {
        const Rsp &r = pend_[i];
        if (r.write != write || r.due > n)
            continue;
        if (kind_ == RTL_MEM_RANDOM) {
            // any due response, with equal chance (reservoir), and gaps
            if (rng_() % (uint64_t)++count == 0)
                best = (int)i;
        } else if (best < 0 || r.due < pend_[(size_t)best].due) {
            best = (int)i;
        }
    }
    if (best >= 0 && kind_ == RTL_MEM_RANDOM && rng_() % 4 == 0)
        best = -1;
    return best;
}

void RtlMemory::drive(Vlutc_top *top, uint64_t n)
{
    if (bpc_ < (double)B_) {
        credit_ += bpc_;
        if (credit_ > 2.0 * (double)B_)
            credit_ = 2.0 * (double)B_;
    }
    arr_ = ready(n, false);
    awr_ = ready(n, true);
    wr_ = kind_ == RTL_MEM_RANDOM ? rng_() % 4 != 0 : true;
    top->m_arready = arr_;
    top->m_awready = awr_;
    top->m_wready = wr_;
    int r = pick(n, false), b = pick(n, true);
    rdrive_ = r >= 0;
    bdrive_ = b >= 0;
    top->m_rvalid = rdrive_;
    top->m_rlast = 1;
    top->m_bvalid = bdrive_;
    if (rdrive_) {
        rsel_ = (size_t)r;
        const Rsp &x = pend_[rsel_];
        top->m_rid = x.id;
        uint8_t d[64] = { 0 };
        if (in_program(x.addr)) {
            for (uint64_t i = 0, o = x.addr - prog_base_; i < B_ && o + i < prog_.size(); i++)
                d[i] = prog_[o + i];
        } else {
            for (uint64_t i = 0; i < B_ && x.addr + i < size_; i++)
                d[i] = img_[x.addr + i];
        }
        for (int k = 0; k < (int)(B_ + 3) / 4; k++)
            top->m_rdata[k] = (uint32_t)d[4 * k] | (uint32_t)d[4 * k + 1] << 8 |
                              (uint32_t)d[4 * k + 2] << 16 | (uint32_t)d[4 * k + 3] << 24;
    }
    if (bdrive_) {
        bsel_ = (size_t)b;
        top->m_bid = pend_[bsel_].id;
    }
}

bool RtlMemory::held_ok(const char *ch, Held *h, bool valid, bool ready, uint64_t addr,
                        uint32_t id)
{
    if (h->valid && (!valid || addr != h->addr || id != h->id)) {
        char e[200];
        snprintf(e, sizeof e, "RTL broke the %s handshake: a valid not accepted the cycle "
                 "before was %s", ch, valid ? "changed" : "dropped");
        err_ = e;
        return false;
    }
    h->valid = valid && !ready;
    h->addr = addr;
    h->id = id;
    return true;
}

bool RtlMemory::observe(Vlutc_top *top, uint64_t n)
{
    char e[200];
    uint64_t wsum = 0; // W: a digest of data and strobes stands for its payload
    for (int k = 0; k < (int)(B_ + 3) / 4; k++)
        wsum = wsum * 1000003u + top->m_wdata[k];
    if (!held_ok("AR", &har_, top->m_arvalid, arr_, top->m_araddr, top->m_arid) ||
        !held_ok("AW", &haw_, top->m_awvalid, awr_, top->m_awaddr, top->m_awid) ||
        !held_ok("W", &hw_, top->m_wvalid, wr_, wsum ^ top->m_wstrb, 0))
        return false;
    // responses taken (erase the later index first)
    size_t rm[2];
    int nrm = 0;
    if (rdrive_ && top->m_rready)
        rm[nrm++] = rsel_;
    if (bdrive_ && top->m_bready)
        rm[nrm++] = bsel_;
    if (nrm == 2 && rm[0] < rm[1])
        std::swap(rm[0], rm[1]);
    for (int i = 0; i < nrm; i++) {
        npend_[pend_[rm[i]].write]--;
        pend_.erase(pend_.begin() + (long)rm[i]);
    }
    if (bpc_ < (double)B_ && ((top->m_arvalid && arr_) || (top->m_awvalid && awr_)))
        credit_ -= (double)B_;
    if (top->m_arvalid && arr_) {
        uint64_t a = top->m_araddr;
        if (a >= size_ && !in_program(a)) {
            snprintf(e, sizeof e, "RTL read burst at 0x%llx outside the %zu-byte image",
                     (unsigned long long)a, size_);
            err_ = e;
            return false;
        }
        pend_.push_back(Rsp{ latency_for(n, a, false), (uint32_t)top->m_arid, false, a });
        npend_[0]++;
        read_bytes += B_;
    }
    if (top->m_awvalid && awr_)
        aw_.push_back(Aw{ top->m_awaddr, (uint32_t)top->m_awid });
    if (top->m_wvalid && wr_) {
        std::vector<uint8_t> w(2 * B_);
        const uint32_t *wd = top->m_wdata.data();
        uint64_t strb = top->m_wstrb;
        for (uint64_t i = 0; i < B_; i++) {
            w[i] = (uint8_t)(wd[i / 4] >> (8 * (i % 4)));
            w[B_ + i] = (uint8_t)((strb >> i) & 1u);
        }
        w_.push_back(std::move(w));
    }
    while (!aw_.empty() && !w_.empty()) { // a whole write: apply it, answer it
        const Aw a = aw_.front();
        const std::vector<uint8_t> &w = w_.front();
        for (uint64_t i = 0; i < B_; i++) {
            if (!w[B_ + i])
                continue;
            if (a.addr + i >= size_) {
                snprintf(e, sizeof e, "RTL write burst at 0x%llx outside the %zu-byte image",
                         (unsigned long long)a.addr, size_);
                err_ = e;
                return false;
            }
            img_[a.addr + i] = w[i];
        }
        pend_.push_back(Rsp{ latency_for(n, a.addr, true), a.id, true, a.addr });
        npend_[1]++;
        write_bytes += B_;
        aw_.pop_front();
        w_.pop_front();
    }
    return true;
}

/* dram_dev.h - a DRAM device model: channels, bank groups, banks with row
 * buffers (open page), JEDEC-style timing, one FR-FCFS controller per
 * channel over a bounded request queue, all-bank refresh, and per-command
 * energy.  One implementation for the C model's DMA, the RTL testbench and a
 * SystemC target.  Library code: no I/O, no global state, deterministic
 * (the same calls give the same cycles on every host).
 *
 * Use:
 *     dram_spec s;  dram_preset_spec("ddr4-3200", &s, err, n);
 *     s.channels = 2;                        // any field may be changed
 *     dram_dev *d = dram_dev_new(&s, 1.0, err, n);   // API cycles at 1 GHz
 *     dram_req r = { .addr = 0, .rows = 1, .row_bytes = 4096, .write = 0,
 *                    .arrival = 100 };
 *     long id = dram_submit(d, &r);
 *     dram_done c;  dram_wait(d, id, &c);   // c.accepted, c.complete
 *     dram_dev_free(d);
 *
 * Time.  The device counts its own clock (tCK); the API speaks in cycles of
 * a host clock given to dram_dev_new (0: the device clock).  An arrival is
 * converted up to the next device edge and a completion up to the next host
 * edge, exactly (rational arithmetic, no floating-point rounding).
 *
 * What a request is.  A 2-D transfer: `rows` rows of `row_bytes` bytes,
 * row r at addr + r * stride (stride ignored when rows == 1).  It is split
 * into the bursts (column accesses of spec.burst_bytes) that cover each row;
 * a row that starts or ends inside a burst still moves the whole burst.
 * The front end puts bursts into their channel's controller queue in
 * submission order per channel, as fast as queue slots free up: a burst
 * enters no earlier than its request's arrival, the channel's previous
 * burst, and the cycle the slot it takes was freed (the column command of
 * the burst that held it).  Channels do not wait for each other.
 *   accepted  the cycle its last burst entered a controller queue (a DMA
 *             engine is free for its next transfer from then);
 *   complete  the cycle its last burst's data finished on the data bus
 *             (reads: returned; writes: written).
 * dram_wait schedules the requests submitted so far, so later submissions
 * compete with earlier ones only if they were submitted before the wait.
 *
 * The controller of each channel (rules, in device cycles):
 *  - address mapping (dram_map.h): channel, bank group, bank, row, column;
 *  - open page: a row stays open until a burst to another row of that bank
 *    is served;
 *  - FR-FCFS (Rixner et al., ISCA 2000): a bank keeps its open row for a
 *    queued row hit (hits go first) unless an older burst to another row
 *    would have precharged before that hit arrived; among the banks'
 *    candidates the column command that can issue first goes first, then
 *    the oldest.  Row commands (PRE, ACT) of a chosen burst are placed at
 *    their earliest legal cycle, so a queued miss opens its row while other
 *    banks' hits use the bus;
 *  - timing: per bank tRCD (read and write), tRAS, tRC, tRP, tRTP, tWR; per
 *    channel tCCD_S/L, tRRD_S/L, tFAW, read-to-write tRTW, write-to-read
 *    CWL + BL + tWTR_S/L, one data burst at a time on the bus (tBL);
 *  - refresh: all-bank REF due every tREFI in every channel (the channels
 *    together), issued when due: precharge all (after each open bank's
 *    tRAS/tRTP/tWR, then tRP), then tRFC with every bank closed.
 * Simplifications (documented, not hidden): one rank per channel; command
 * bus slots are not modelled (ACT/PRE/CAS never collide); ACTs of a channel
 * are placed in the order bursts are chosen; no address-hazard checks inside
 * the controller (the caller orders dependent transfers); no write buffer
 * (writes are scheduled like reads and complete when written); no per-bank
 * refresh; no power-down or background energy.
 *
 * Cost.  A request alone in empty queues (the C model's DMA: submit, wait,
 * submit) is served directly while FR-FCFS would serve its bursts in order
 * (dram_ctrl.h: the oldest can issue no later than any other), and a steady
 * stream of row hits in rotating bank groups in closed form (O(bank groups)
 * for a whole row set, O(1) for a run that goes on from the channel's last,
 * whose group and bank timers stay pending until something else uses the
 * channel); where FR-FCFS would reorder, that channel's bursts go
 * through its queue, where the oldest row hit is served in O(1) if nothing
 * can beat it, else each bank's candidate is compared.  Channels in the
 * same state (equal open rows and refresh due, every timer equal or too old
 * to bind from the next arrival on) that receive the same bursts but for
 * the channel (a request striped burst by burst over the channels: the
 * same count, starting in the same stripe) are scheduled once: a leader and
 * its followers, whose counts are added and whose state is copied from the
 * leader when a request treats them apart.  dram_dev_no_shortcuts turns
 * every shortcut off; a test holds every figure equal.  Idle time costs
 * nothing: no per-cycle loop; refreshes during idle time are counted.
 */
#ifndef DRAM_DEV_H
#define DRAM_DEV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRAM_MAX_BANKS 64   /* bank groups x banks per group, per channel */
#define DRAM_MAX_CHANNELS 256
#define DRAM_MAX_QUEUE 256  /* bursts queued per channel */

/* One device type.  Timing in cycles of tck_ns; energy in pJ. */
typedef struct {
    char name[32];
    double tck_ns;              /* device clock period */
    int channels;               /* independent channels (HBM: pseudo-channels) */
    int bankgroups, banks_per_group;
    int rows;                   /* rows per bank */
    int row_bytes;              /* page: bytes per row of one bank of a channel */
    int burst_bytes;            /* bytes per column access */
    int tBL;                    /* data-bus cycles per burst */
    int tCL, tCWL;              /* read / write latency, CAS to data */
    int tRCD, tRCDW;            /* ACT to read / to write */
    int tRP, tRAS, tRC;
    int tCCD_S, tCCD_L;         /* CAS to CAS, other / same bank group */
    int tRRD_S, tRRD_L;         /* ACT to ACT, other / same bank group */
    int tFAW;                   /* window of four ACTs */
    int tWR;                    /* write recovery: end of write data to PRE */
    int tWTR_S, tWTR_L;         /* end of write data to read, other / same group */
    int tRTP;                   /* read to PRE */
    int tRTW;                   /* read to write, any bank */
    int tRFC, tREFI;            /* all-bank refresh: duration, interval */
    double rd_pj_per_bit, wr_pj_per_bit; /* per bit moved, burst and I/O */
    double act_pj;              /* per row activation (ACT + its PRE) */
    double ref_pj;              /* per all-bank refresh of one channel */
    int queue_depth;            /* bursts each channel's controller holds */
    char mapping[32];           /* address mapping, dram_map.h syntax */
} dram_spec;

/* Checks ranges and consistency; 0, or -1 with a message naming the field. */
int dram_spec_check(const dram_spec *s, char *err, size_t errlen);
/* Peak data rate of the whole device: channels x burst / (tBL x tCK). */
double dram_peak_gbps(const dram_spec *s);

/* Presets (dram_presets.c): "ddr4-3200", "lpddr5-6400", "hbm2", "hbm3".
 * Every figure carries its source; see dram_preset_source. */
int dram_preset_spec(const char *name, dram_spec *s, char *err, size_t errlen);
int dram_preset_count(void);
const char *dram_preset_name(int i);
const char *dram_preset_description(int i);
/* The source of one field of preset i ("tRCD", "rd_pj_per_bit",
 * "mapping", ...), or NULL if the preset or field does not exist. */
const char *dram_preset_source(int i, const char *field);
/* The name of numeric field i of dram_spec ("tck_ns", "channels", ...,
 * "tRCD", ...), NULL past the last (for listing and for presets). */
const char *dram_spec_field(int i);

typedef struct dram_dev dram_dev;

typedef struct {
    uint64_t addr;
    uint32_t rows;        /* >= 1 */
    uint64_t row_bytes;   /* >= 1 */
    uint64_t stride;      /* bytes between row starts; >= row_bytes if rows > 1 */
    int write;
    uint64_t arrival;     /* host cycle */
} dram_req;

typedef struct {
    uint64_t accepted;    /* host cycle its last burst entered a queue */
    uint64_t complete;    /* host cycle its last burst's data finished */
    uint64_t bursts;
} dram_done;

typedef struct {
    uint64_t requests;
    uint64_t read_bursts, write_bursts;
    uint64_t read_bytes, write_bytes; /* moved: bursts x burst_bytes */
    uint64_t row_hits;      /* column access to the open row */
    uint64_t row_misses;    /* bank was closed: ACT */
    uint64_t row_conflicts; /* another row was open: PRE + ACT */
    uint64_t refreshes;     /* all-bank refreshes, summed over channels */
    uint64_t refresh_cycles;/* refreshes x tRFC (device cycles, channel-summed) */
    uint64_t data_cycles;   /* bursts x tBL (device cycles, channel-summed) */
    uint64_t busy_cycles;   /* device cycles with a request in the device */
    uint64_t first_arrival, last_complete; /* device cycles */
} dram_stats;

/* host_ghz: clock of the cycle numbers the API takes and returns (0: the
 * device clock).  Returns NULL with a message on a bad spec or no memory. */
dram_dev *dram_dev_new(const dram_spec *s, double host_ghz, char *err, size_t errlen);
void dram_dev_free(dram_dev *d);
const dram_spec *dram_dev_spec(const dram_dev *d);
/* Moves the first refresh of every channel to device cycle `first` (default
 * tREFI, as DRAMsim3 and Ramulator2 start); call before any request.  A
 * caller that simulates many short programs from cycle 0 sets tREFI / 2 so
 * that each sees tRFC / tREFI of refresh on average, not none. */
void dram_dev_refresh_first(dram_dev *d, uint64_t first);
/* For tests: serve every burst through the queue.  A request alone in empty
 * queues (submit, wait, submit, ...) is otherwise served directly, a steady
 * row-hit stream in closed form: shortcuts that must not change a figure. */
void dram_dev_no_shortcuts(dram_dev *d);
/* For tests: channels now scheduled as another channel's followers (see
 * Cost above). */
int dram_dev_followers(const dram_dev *d);

/* Queues a request; returns its id (>= 0), or -1 if the request is empty or
 * malformed, or DRAM_MAX_PENDING requests are submitted and not yet waited
 * for.  Nothing is scheduled until a wait or drain needs it. */
#define DRAM_MAX_PENDING 4096
long dram_submit(dram_dev *d, const dram_req *r);
/* Schedules until request id has completed, fills *out and forgets the
 * request.  Requests submitted after it do not take part: call it as late
 * as possible to let FR-FCFS see more of them.  0, or -1 for an unknown id. */
int dram_wait(dram_dev *d, long id, dram_done *out);
/* Schedules every submitted request (their results stay for dram_wait). */
void dram_drain(dram_dev *d);

/* Statistics of everything scheduled so far. */
void dram_get_stats(const dram_dev *d, dram_stats *st);
/* bytes moved / (peak x busy time), 0 when nothing ran. */
double dram_efficiency(const dram_spec *s, const dram_stats *st);

typedef struct {
    double read_pj, write_pj, act_pj, ref_pj, total_pj;
} dram_energy;
/* Bursts x bits x per-bit energy, activations x act_pj, and refresh as a
 * power from cycle 0 to the last completion: channels x ref_pj per tREFI
 * (a DRAM refreshes whether or not it is busy). */
void dram_energy_of(const dram_spec *s, const dram_stats *st, dram_energy *e);

#ifdef __cplusplus
}
#endif
#endif

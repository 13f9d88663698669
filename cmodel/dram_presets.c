/* dram_presets.c - DRAM device presets: data only, every figure with its
 * source.  Timing is in cycles of the preset's tCK.
 *
 * Sources (as read and tabulated in shared/reference/dram.md):
 *   DRAMsim3      umd-memsys/DRAMsim3 @2981759, configs/ (.ini files)
 *   Ramulator2    CMU-SAFARI/ramulator2 @c5b1c3a, python/ramulator/dram/ (.py files),
 *                 labelled "JEDEC preset data" (JESD209-5B LPDDR5,
 *                 JESD235D HBM2, JESD238 HBM3)
 *   IDD method    E_ACT = VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP),
 *                 E_REF = VDD (IDD5AB - IDD3N) tRFC, per chip (Micron
 *                 TN-40-07, as DRAMsim3 src/configuration.cc l. 203-212)
 * "derived" is our arithmetic on those; "assumption" marks a figure no
 * source gave.
 *
 * Energy per bit, where sources disagree (dram.md spans 2-40 pJ/bit): the
 * presets use published whole-access figures (burst, I/O and termination
 * included) for reads and writes, because the IDD method has no I/O energy
 * and gives only core lower bounds; and the IDD method for activations and
 * refreshes, which the per-bit figures do not separate.  At streaming row
 * locality the activation share is small (DDR4: 0.064 pJ/bit for a whole
 * 8 KB row, against 18.75), so counting it on top of a whole-access average
 * over-counts by well under 1%; on row-missing patterns it is what the
 * per-bit figure misses.
 */
#include "dram_presets.h"

#include <stddef.h>

#define DDR4_T "DRAMsim3 DDR4_8Gb_x8_3200.ini = Ramulator2 JEDEC DDR4_3200AA (22-22-22)"
#define DDR4_IDD "IDD method on DRAMsim3 DDR4_8Gb_x8_3200.ini (VDD 1.2 V; IDD0 57, IDD2N 37, " \
                 "IDD3N 52, IDD5AB 250 mA)"
#define LP5_T "Ramulator2 LPDDR5_8Gb_x16 + LPDDR5_6400 (JESD209-5B)"
#define HBM2_T "Ramulator2 HBM2_8Gb + HBM2_2000Mbps (JESD235D), pseudo-channel mode"
#define HBM2_IDD "IDD method on DRAMsim3 HBM2_8Gb_x128.ini (VDD 1.2 V; IDD0 65, IDD2N 40, " \
                 "IDD3N 55, IDD5AB 250 mA)"
#define HBM3_T "Ramulator2 HBM3_16Gb_8hi + HBM3_6400Mbps (JESD238)"
#define QUEUE "assumption: 32 bursts per channel, the size of DRAMsim3's transaction queue " \
              "(trans_queue_size 32)"
#define MAP_SRC "assumption: consecutive bursts go to consecutive channels, then bank groups, " \
                "then columns of one row (so a stream alternates bank groups and is not held " \
                "to tCCD_L); DRAMsim3's DDR4 order rochrababgco keeps a row contiguous and " \
                "streams at tBL/tCCD_L = half rate; Ramulator2's RoBaRaCoCh also puts the " \
                "channel lowest"

static const dram_preset_value ddr4_3200[] = {
    { "tck_ns", 0.625, "derived: 2 / 3200 MT/s (DRAMsim3 writes 0.63)" },
    { "channels", 1, "one 64-bit channel = a rank of 8 x8 chips (dram.md organisation); "
                     "scale with dram.channels" },
    { "bankgroups", 4, DDR4_T },
    { "banks_per_group", 4, DDR4_T },
    { "rows", 65536, "derived: 8 Gb per chip / (16 banks x 1 KB page)" },
    { "row_bytes", 8192, "1 KB page per x8 chip x 8 chips per rank (dram.md)" },
    { "burst_bytes", 64, "BL8 x 64-bit channel (dram.md)" },
    { "tBL", 4, "BL8 = 4 tCK (dram.md)" },
    { "tCL", 22, DDR4_T },
    { "tCWL", 16, DDR4_T },
    { "tRCD", 22, DDR4_T },
    { "tRCDW", 22, DDR4_T " (one tRCD for reads and writes)" },
    { "tRP", 22, DDR4_T },
    { "tRAS", 52, DDR4_T },
    { "tRC", 74, DDR4_T },
    { "tCCD_S", 4, DDR4_T },
    { "tCCD_L", 8, DDR4_T },
    { "tRRD_S", 4, DDR4_T },
    { "tRRD_L", 8, DDR4_T },
    { "tFAW", 34, DDR4_T },
    { "tWR", 24, DDR4_T },
    { "tWTR_S", 4, DDR4_T },
    { "tWTR_L", 12, DDR4_T },
    { "tRTP", 12, DDR4_T },
    { "tRTW", 12, "derived: Ramulator2 RD-to-WR rule CL + BL + 2 - CWL = 22 + 4 + 2 - 16" },
    { "tRFC", 560, "DRAMsim3 tRFC 350 ns for 8 Gb (Ramulator2's table has 360 ns = 576; "
                   "DRAMsim3 chosen: it is the file all other DDR4 values match)" },
    { "tREFI", 12480, DDR4_T " (7.8 us)" },
    { "rd_pj_per_bit", 18.75, "BitMoD simulator (Chen et al., HPCA 2025) "
                              "bitmod_sim/accelerator.py: 1200 pJ per 64 bits, whole access; "
                              "the IDD method gives 5.44 pJ/bit without I/O" },
    { "wr_pj_per_bit", 18.75, "BitMoD simulator, as for reads (one figure for both; the IDD "
                              "method gives 4.59 pJ/bit without I/O)" },
    { "act_pj", 4200, DDR4_IDD ": 525 pJ per chip x 8 chips per rank" },
    { "ref_pj", 665280, DDR4_IDD ": 83.2 nJ per chip per REF (tRFC 350 ns) x 8 chips" },
    { "queue_depth", 32, QUEUE },
    { NULL, 0, NULL },
};

static const dram_preset_value lpddr5_6400[] = {
    { "tck_ns", 1.25, LP5_T ": CK 800 MHz, WCK:CK = 4:1" },
    { "channels", 4, "assumption: a x64 package of four x16 channels (a common mobile "
                     "configuration; the files give one x16 channel); scale with "
                     "dram.channels" },
    { "bankgroups", 4, LP5_T " (bank-group mode)" },
    { "banks_per_group", 4, LP5_T " (bank-group mode)" },
    { "rows", 32768, "derived: 8 Gb / (16 banks x 2 KB page)" },
    { "row_bytes", 2048, LP5_T ": 1024 columns x 16 bits" },
    { "burst_bytes", 32, "BL16 x 16-bit channel (dram.md)" },
    { "tBL", 2, LP5_T ": nBL_min = 2 CK (4 CK within a bank group is tCCD_L)" },
    { "tCL", 17, LP5_T },
    { "tCWL", 9, LP5_T },
    { "tRCD", 15, LP5_T },
    { "tRCDW", 15, LP5_T " (one tRCD for reads and writes)" },
    { "tRP", 15, LP5_T " (per-bank precharge; all-bank is 17)" },
    { "tRAS", 34, LP5_T },
    { "tRC", 49, LP5_T },
    { "tCCD_S", 2, LP5_T },
    { "tCCD_L", 4, LP5_T },
    { "tRRD_S", 4, LP5_T },
    { "tRRD_L", 4, LP5_T },
    { "tFAW", 16, LP5_T },
    { "tWR", 28, LP5_T },
    { "tWTR_S", 5, LP5_T },
    { "tWTR_L", 10, LP5_T " (Ramulator2 adds nBL_max, not nBL, within a bank group: "
                          "its WR-to-RD is 23 CK, this model's 21)" },
    { "tRTP", 8, LP5_T },
    { "tRTW", 12, "derived: Ramulator2 RD-to-WR rule CL + BL + 2 - CWL = 17 + 2 + 2 - 9" },
    { "tRFC", 168, LP5_T ": all-bank tRFCab 210 ns (per-bank refresh not modelled)" },
    { "tREFI", 3125, LP5_T " (3.9 us)" },
    { "rd_pj_per_bit", 4.0, "assumption: no LPDDR5 figure found; LPDDR4's about 4 pJ/bit "
                            "(Dally et al., CACM 2020, via reference/energy.md) as an upper "
                            "bound (LPDDR5 runs at lower voltage)" },
    { "wr_pj_per_bit", 4.0, "assumption: as for reads" },
    { "act_pj", 1740, "assumption: no LPDDR5 IDDs found; IDD method on DRAMsim3 "
                      "LPDDR4_8Gb_x16_2400.ini (which uses VDD 1.2 V and DDR4-like IDDs): "
                      "1.74 nJ per 2 KB page, one x16 chip per channel" },
    { "ref_pj", 58716, "assumption: IDD method with the LPDDR4_8Gb_x16_2400.ini IDDs "
                       "(IDD5AB 280, IDD3N 47 mA, 1.2 V) and LPDDR5's tRFCab 210 ns" },
    { "queue_depth", 32, QUEUE },
    { NULL, 0, NULL },
};

static const dram_preset_value hbm2[] = {
    { "tck_ns", 1.0, HBM2_T " (2.0 Gb/s)" },
    { "channels", 16, "one stack: 8 channels x 2 pseudo-channels of 64 bits (DRAMsim3 "
                      "channels = 8; Ramulator2 pseudo-channels), 256 GB/s (JESD235A); "
                      "scale with dram.channels" },
    { "bankgroups", 4, HBM2_T },
    { "banks_per_group", 4, HBM2_T },
    { "rows", 16384, "assumption: 2^14 rows per bank (used only where addresses wrap)" },
    { "row_bytes", 1024, HBM2_T ": 1 KB per pseudo-channel" },
    { "burst_bytes", 32, "BL4 x 64-bit pseudo-channel (dram.md)" },
    { "tBL", 2, "BL4 = 2 tCK (dram.md)" },
    { "tCL", 14, HBM2_T },
    { "tCWL", 5, HBM2_T " (DRAMsim3: 4)" },
    { "tRCD", 14, HBM2_T },
    { "tRCDW", 12, HBM2_T " (DRAMsim3: 14)" },
    { "tRP", 14, HBM2_T },
    { "tRAS", 34, HBM2_T },
    { "tRC", 48, HBM2_T },
    { "tCCD_S", 2, HBM2_T " (DRAMsim3's 1 / 2 are for its 128-bit channel)" },
    { "tCCD_L", 4, HBM2_T },
    { "tRRD_S", 4, HBM2_T },
    { "tRRD_L", 4, HBM2_T " (DRAMsim3: 6)" },
    { "tFAW", 15, HBM2_T ", whose comment says \"vendor-specific, typical ~15 ns\" "
                  "(DRAMsim3: 30)" },
    { "tWR", 16, HBM2_T },
    { "tWTR_S", 6, HBM2_T },
    { "tWTR_L", 8, HBM2_T },
    { "tRTP", 5, HBM2_T " (DRAMsim3: 4 / 6)" },
    { "tRTW", 13, "derived: Ramulator2 RD-to-WR rule CL + BL + 2 - CWL = 14 + 2 + 2 - 5" },
    { "tRFC", 350, HBM2_T " (DRAMsim3: 260)" },
    { "tREFI", 3900, HBM2_T },
    { "rd_pj_per_bit", 7.0, "HyGCN (Yan et al., HPCA 2020), HBM 7 pJ/bit, second-hand via "
                            "the Dongyunkam/DRAM_info README (Micron gives 6.0 for HBM2E, "
                            "vendor marketing; the IDD method 1.57 without I/O)" },
    { "wr_pj_per_bit", 7.0, "HyGCN, as for reads (the IDD method gives 2.09 without I/O)" },
    { "act_pj", 414, HBM2_IDD ": 828 pJ per 2 KB row of a 128-bit channel; "
                     "assumption: half for the 1 KB row of a pseudo-channel" },
    { "ref_pj", 40950, HBM2_IDD ": 81.9 nJ per channel REF with tRFC 350 ns; "
                       "assumption: half per pseudo-channel" },
    { "queue_depth", 32, QUEUE },
    { NULL, 0, NULL },
};

static const dram_preset_value hbm3[] = {
    { "tck_ns", 0.625, HBM3_T ": CK 1.6 GHz" },
    { "channels", 32, "one stack: 16 channels x 2 pseudo-channels of 32 bits, 819 GB/s "
                      "(JEDEC HBM3 release, Jan 2022); scale with dram.channels" },
    { "bankgroups", 4, HBM3_T },
    { "banks_per_group", 4, HBM3_T " (per stack ID; assumption: one stack ID modelled, the "
                            "second of an 8-high stack would only add banks)" },
    { "rows", 32768, "assumption: 2^15 rows per bank (used only where addresses wrap)" },
    { "row_bytes", 1024, HBM3_T ": 1 KB per pseudo-channel" },
    { "burst_bytes", 32, "BL8 x 32-bit pseudo-channel (dram.md)" },
    { "tBL", 2, "BL8 = 2 tCK (dram.md)" },
    { "tCL", 20, HBM3_T },
    { "tCWL", 10, HBM3_T },
    { "tRCD", 31, HBM3_T " (tRCDRD)" },
    { "tRCDW", 15, HBM3_T " (tRCDWR)" },
    { "tRP", 26, HBM3_T },
    { "tRAS", 45, HBM3_T },
    { "tRC", 72, HBM3_T },
    { "tCCD_S", 2, HBM3_T },
    { "tCCD_L", 4, HBM3_T },
    { "tRRD_S", 4, HBM3_T },
    { "tRRD_L", 5, HBM3_T },
    { "tFAW", 24, HBM3_T },
    { "tWR", 33, HBM3_T },
    { "tWTR_S", 7, HBM3_T },
    { "tWTR_L", 10, HBM3_T },
    { "tRTP", 9, HBM3_T },
    { "tRTW", 20, HBM3_T " (nRTW)" },
    { "tRFC", 560, HBM3_T " (all-bank, 350 ns)" },
    { "tREFI", 6240, HBM3_T " (3.9 us)" },
    { "rd_pj_per_bit", 6.0, "assumption: no HBM3 figure found; Micron's HBM2E 6.0 pJ/bit "
                            "(vendor comparison table, via kylolab.com) as an upper bound" },
    { "wr_pj_per_bit", 6.0, "assumption: as for reads" },
    { "act_pj", 379.5, "assumption: the HBM2 pseudo-channel figure (414 pJ, " HBM2_IDD
                       ") scaled to HBM3's VDD 1.1 V (JEDEC HBM3 release)" },
    { "ref_pj", 37537.5, "assumption: the HBM2 pseudo-channel figure (40.95 nJ per REF of "
                         "350 ns) scaled to VDD 1.1 V" },
    { "queue_depth", 32, QUEUE },
    { NULL, 0, NULL },
};

const dram_preset dram_preset_table[] = {
    { "ddr4-3200", "DDR4-3200AA (22-22-22), 8 Gb x8 chips, one 64-bit rank per channel, "
                   "25.6 GB/s per channel",
      "ro:ba:co:bg:ch", MAP_SRC, ddr4_3200 },
    { "lpddr5-6400", "LPDDR5-6400, 8 Gb x16 channels in bank-group mode, 12.8 GB/s per "
                     "channel, four channels (51.2 GB/s)",
      "ro:ba:co:bg:ch", MAP_SRC, lpddr5_6400 },
    { "hbm2", "HBM2 at 2.0 Gb/s per pin, one stack of 16 pseudo-channels of 64 bits, "
              "256 GB/s",
      "ro:ba:co:bg:ch", MAP_SRC, hbm2 },
    { "hbm3", "HBM3 at 6.4 Gb/s per pin, one stack of 32 pseudo-channels of 32 bits, "
              "819 GB/s",
      "ro:ba:co:bg:ch", MAP_SRC, hbm3 },
};

const int dram_preset_table_count = (int)(sizeof dram_preset_table / sizeof dram_preset_table[0]);

/* dram_presets.h - the preset data of dram_presets.c (internal to cmodel:
 * callers use dram_preset_spec and dram_preset_source in dram_dev.h). */
#ifndef DRAM_PRESETS_H
#define DRAM_PRESETS_H

/* One figure of a preset and where it comes from. */
typedef struct {
    const char *key;    /* a dram_spec field, as named by dram_spec_field() */
    double value;
    const char *source; /* publication or file, "derived: ..." or "assumption: ..." */
} dram_preset_value;

typedef struct {
    const char *name;
    const char *description;
    const char *mapping, *mapping_source;
    const dram_preset_value *values; /* NULL-key terminated */
} dram_preset;

extern const dram_preset dram_preset_table[];
extern const int dram_preset_table_count;

#endif

/* workload_embed.h - model configs (workloads/models/) and
 * quantization presets (workloads/quant/) embedded in the binary, by
 * short name, so that "llama-2-7b" or "W2A8" work without the source tree.
 * Each table lists a name and the file's text exactly as at build time. */
#ifndef WORKLOAD_EMBED_H
#define WORKLOAD_EMBED_H

#ifdef __cplusplus
extern "C" {
#endif

/* The text of the embedded model config / quant preset called name
 * (case-insensitive), or NULL. */
const char *workload_model_text(const char *name);
const char *workload_quant_text(const char *name);

/* The i-th name (canonical spelling, as the file's base name), or NULL
 * past the end. */
const char *workload_model_name(int i);
const char *workload_quant_name(int i);

#ifdef __cplusplus
}
#endif
#endif

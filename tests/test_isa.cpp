// The instruction table and everything generated from it.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "isa.h"
#include "program.h"
extern "C" {
#include "printable.h"
}

namespace {

uint64_t fmax_of(const isa_field &f) { return f.width >= 64 ? ~0ull : (1ull << f.width) - 1; }

uint64_t enum_cap(const isa_field &f)
{
    if (f.kind == FK_BUF) return 3;
    if (f.kind == FK_VFN) return VFN_COUNT - 1;
    return fmax_of(f);
}

void set_field(isa_instr *in, const isa_field &f, uint64_t v)
{
    char *p = (char *)in + f.offset;
    if (f.size == 8) memcpy(p, &v, 8);
    else { uint32_t v32 = (uint32_t)v; memcpy(p, &v32, 4); }
}

void expect_same(const isa_instr &a, const isa_instr &b)
{
    ASSERT_EQ(a.op, b.op);
    ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << isa_def(a.op)->mnemonic;
}

} // namespace

TEST(IsaTable, FieldsAreDisjointAndFitTheWord)
{
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef &d = isa_ops[op];
        ASSERT_EQ((int)d.op, op);
        bool used[128] = {};
        for (int b = 0; b < ISA_OPCODE_BITS; b++) used[b] = true;
        for (int i = 0; i < d.nfields; i++) {
            const isa_field &f = d.fields[i];
            ASSERT_GE(f.lsb, ISA_OPCODE_BITS) << d.mnemonic << "." << f.name;
            ASSERT_LE(f.lsb + f.width, 128) << d.mnemonic << "." << f.name;
            ASSERT_LE(f.width, (int)(8 * f.size)) << d.mnemonic << "." << f.name;
            for (int b = f.lsb; b < f.lsb + f.width; b++) {
                ASSERT_FALSE(used[b]) << d.mnemonic << "." << f.name << " overlaps at bit " << b;
                used[b] = true;
            }
        }
    }
    ASSERT_LE(OP_COUNT, 1 << ISA_OPCODE_BITS);
}

TEST(IsaRoundTrip, EveryInstructionAtFieldExtremes)
{
    std::mt19937_64 rng(11);
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef &d = isa_ops[op];
        for (int pattern = 0; pattern < 40; pattern++) {
            isa_instr in;
            std::memset(&in, 0, sizeof in);
            in.op = (isa_op)op;
            for (int i = 0; i < d.nfields; i++) {
                uint64_t cap = enum_cap(d.fields[i]);
                uint64_t v = pattern == 0 ? 0 : pattern == 1 ? cap : rng() % (cap + 1);
                set_field(&in, d.fields[i], v);
            }
            isa_word w;
            char err[256];
            ASSERT_EQ(isa_encode(&in, &w, err, sizeof err), 0) << err;
            isa_instr back;
            ASSERT_EQ(isa_decode(&w, &back, err, sizeof err), 0) << err;
            expect_same(in, back);
            // Text round trip: disasm -> asm -> the same binary.
            char text[512];
            isa_disasm(&in, text, sizeof text);
            isa_instr again;
            ASSERT_EQ(isa_asm_line(text, &again, err, sizeof err), 1) << text << ": " << err;
            isa_word w2;
            ASSERT_EQ(isa_encode(&again, &w2, err, sizeof err), 0);
            ASSERT_EQ(w.w[0], w2.w[0]) << text;
            ASSERT_EQ(w.w[1], w2.w[1]) << text;
            char text2[512];
            isa_disasm(&again, text2, sizeof text2);
            ASSERT_STREQ(text, text2);
        }
    }
}

TEST(IsaEncode, RejectsFieldsThatDoNotFit)
{
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef &d = isa_ops[op];
        for (int i = 0; i < d.nfields; i++) {
            const isa_field &f = d.fields[i];
            if (f.width >= (int)(8 * f.size)) continue; // cannot overflow the member
            isa_instr in;
            std::memset(&in, 0, sizeof in);
            in.op = (isa_op)op;
            set_field(&in, f, fmax_of(f) + 1);
            isa_word w;
            char err[256];
            EXPECT_EQ(isa_encode(&in, &w, err, sizeof err), -1) << d.mnemonic << "." << f.name;
            EXPECT_NE(std::string(err).find(f.name), std::string::npos) << err;
        }
    }
}

TEST(IsaDecode, RejectsIllegalEncodings)
{
    char err[256];
    isa_instr out;
    isa_word w = {{(uint64_t)OP_COUNT, 0}};
    EXPECT_EQ(isa_decode(&w, &out, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("illegal opcode"), std::string::npos);
    w = {{(uint64_t)OP_HALT | (1ull << 40), 0}}; // halt has no fields
    EXPECT_EQ(isa_decode(&w, &out, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("reserved"), std::string::npos);
    w = {{(uint64_t)OP_BARRIER, 1ull << 63}}; // nor barrier (vop's row fills its word)
    EXPECT_EQ(isa_decode(&w, &out, err, sizeof err), -1);
    // the 5-bit fn field is full (rms_apply is 31): a code past VFN_COUNT
    // can only be an in-memory instruction, which unit_vec refuses
    static_assert(VFN_COUNT == 32, "every 5-bit fn code is a function");
    w = {{(uint64_t)OP_VOP | ((uint64_t)31 << 6), 0}}; // fn 31
    ASSERT_EQ(isa_decode(&w, &out, err, sizeof err), 0) << err;
    EXPECT_EQ(out.fn, (uint32_t)VFN_RMS_APPLY);
}

TEST(IsaAsm, ErrorsNameTheProblem)
{
    struct Bad { const char *line, *want; };
    const Bad bads[] = {
        {"frob a=1", "unknown mnemonic"},
        {"halt x=1", "no field named 'x'"},
        {"load buf=act sram=0 rows=1 bytes=1 dram=0", "stride is missing"},
        {"load buf=act buf=act sram=0 rows=1 bytes=1 dram=0 stride=1", "given twice"},
        {"load buf=nowhere sram=0 rows=1 bytes=1 dram=0 stride=1", "bad value 'nowhere'"},
        {"load buf=act sram=0x400000 rows=1 bytes=1 dram=0 stride=1", "sram"},
        {"lmma tbl=0 wgt=0 acc=0 m=1 n=1 klen=1 wbits=16 accum=0", "wbits"},
        {"lmma tbl=0 wgt=0 acc=0 m=1 n=1 klen=1 wbits=2 accum", "expected field=value"},
        {"vop fn=add_i32 sbuf=act src=-1 src2=0 dbuf=act dst=0 len=1 imm=0", "bad value '-1'"},
    };
    for (const Bad &b : bads) {
        isa_instr in;
        char err[256];
        EXPECT_EQ(isa_asm_line(b.line, &in, err, sizeof err), -1) << b.line;
        EXPECT_NE(std::string(err).find(b.want), std::string::npos) << b.line << " -> " << err;
    }
    // The library quotes the text as it is; what the command line prints
    // (printable(), as cli_error does) is one readable line.
    {
        isa_instr in;
        char err[256], shown[1024];
        EXPECT_EQ(isa_asm_line("\x1b[2Jhalt", &in, err, sizeof err), -1);
        EXPECT_EQ(std::string(err), "unknown mnemonic '\x1b[2Jhalt'");
        EXPECT_EQ(std::string(printable(err, shown, sizeof shown)), "unknown mnemonic '\\x1B[2Jhalt'");
        std::string lng = "halt " + std::string(300, 'x') + "=1";
        EXPECT_EQ(isa_asm_line(lng.c_str(), &in, err, sizeof err), -1);
        EXPECT_EQ(std::string(err).rfind("halt: no field named 'xxx", 0), 0u) << err;
        // "\r\n" ends a line; a carriage return inside one is an error, not
        // the silent end of the line
        EXPECT_EQ(isa_asm_line("halt\r", &in, err, sizeof err), 1);
        EXPECT_EQ(isa_asm_line("halt\r\n", &in, err, sizeof err), 1);
        EXPECT_EQ(isa_asm_line("halt\rx=1", &in, err, sizeof err), -1);
        EXPECT_NE(std::string(err).find("carriage return"), std::string::npos) << err;
    }
    isa_instr in;
    char err[256];
    EXPECT_EQ(isa_asm_line("   # only a comment", &in, err, sizeof err), 0);
    EXPECT_EQ(isa_asm_line("", &in, err, sizeof err), 0);
}

TEST(ProgramFile, BinaryRoundTripAndErrors)
{
    const char *text =
        "load buf=weight sram=0x40 rows=3 bytes=32 dram=0x1000 stride=64\n"
        "tprec src=0x0 dst=0x0 sum=0x800 rows=2 klen=128 stride=4096  # tables\n"
        "\n"
        "lmma tbl=0x0 wgt=0x40 acc=0x0 m=2 n=64 klen=128 wbits=2 accum=0\n"
        "dq acc=0x0 sum=0x800 meta=0x100 dst=0x1000 m=2 n=64 accum=1 fmode=0 shift=1\n"
        "vop fn=requant_i8 sbuf=output src=0x0 src2=0x0 dbuf=act dst=0x0 len=128 imm=7\n"
        "barrier\n"
        "halt\n";
    program p;
    char err[256];
    ASSERT_EQ(program_from_asm(text, &p, err, sizeof err), 0) << err;
    ASSERT_EQ(p.n, 7u);
    uint8_t *bin;
    size_t len;
    ASSERT_EQ(program_to_bytes(&p, &bin, &len, err, sizeof err), 0);
    EXPECT_EQ(len, (size_t)PROGRAM_HEADER_BYTES + 7 * ISA_BYTES);
    program q;
    ASSERT_EQ(program_from_bytes(bin, len, &q, err, sizeof err), 0) << err;
    ASSERT_EQ(q.n, p.n);
    for (size_t i = 0; i < p.n; i++) expect_same(p.ins[i], q.ins[i]);
    // Truncated, bad magic, illegal word.
    program r;
    EXPECT_EQ(program_from_bytes(bin, len - 1, &r, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("header says 7"), std::string::npos) << err;
    bin[0] = 'X';
    EXPECT_EQ(program_from_bytes(bin, len, &r, err, sizeof err), -1);
    bin[0] = 'L';
    bin[PROGRAM_HEADER_BYTES + 2 * ISA_BYTES] = 63; // instruction 2: opcode 63
    EXPECT_EQ(program_from_bytes(bin, len, &r, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("instruction 2"), std::string::npos) << err;
    free(bin);
    program_free(&p);
    program_free(&q);
    // Assembly errors carry the line number.
    program e;
    EXPECT_EQ(program_from_asm("halt\nhalt\nbogus\n", &e, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("line 3"), std::string::npos) << err;
}

// The float functions' element type, base and per-type variant, checked
// against their names: stem_f32 / stem_f16 / stem_bf16 are one function in
// three types; every other function is its own base, in fp32 only.
TEST(IsaVfn, TypeBaseAndVariantFollowTheNames)
{
    const char *const stems[] = { "add", "mul", "silu", "gelu", "rmsnorm", "softmax", "quant" };
    const char *const suffix[FP_COUNT] = { "_f32", "_f16", "_bf16" };
    auto by_name = [](const std::string &n) {
        for (int f = 0; f < VFN_COUNT; f++)
            if (n == isa_vfn_names[f])
                return f;
        return -1;
    };
    std::vector<bool> floats(VFN_COUNT, false);
    for (const char *stem : stems) {
        const int base = by_name(std::string(stem) + "_f32");
        ASSERT_GE(base, 0) << stem;
        for (int t = 0; t < FP_COUNT; t++) {
            const int f = by_name(std::string(stem) + suffix[t]);
            ASSERT_GE(f, 0) << stem << suffix[t];
            floats[f] = true;
            EXPECT_EQ(isa_vfn_type((isa_vfn)f), (fp_type)t) << isa_vfn_names[f];
            EXPECT_EQ(isa_vfn_base((isa_vfn)f), (isa_vfn)base) << isa_vfn_names[f];
            EXPECT_EQ(isa_vfn_at((isa_vfn)base, (fp_type)t), f) << isa_vfn_names[f];
            EXPECT_EQ(isa_vfn_at((isa_vfn)f, (fp_type)t), f) << isa_vfn_names[f];
        }
    }
    for (int f = 0; f < VFN_COUNT; f++) {
        if (floats[f])
            continue;
        EXPECT_EQ(isa_vfn_type((isa_vfn)f), FP_F32) << isa_vfn_names[f];
        EXPECT_EQ(isa_vfn_base((isa_vfn)f), (isa_vfn)f) << isa_vfn_names[f];
        EXPECT_EQ(isa_vfn_at((isa_vfn)f, FP_F32), f) << isa_vfn_names[f];
        EXPECT_EQ(isa_vfn_at((isa_vfn)f, FP_F16), -1) << isa_vfn_names[f];
    }
    EXPECT_EQ(isa_vfn_at(VFN_ADD_F32, FP_COUNT), -1);
}

// program_checker says what isa_check says of every instruction added: on
// random programs of legal instructions, and with one field of one of them
// just past its width or its enumeration (each field of each opcode once),
// or an unknown opcode.
TEST(ProgramChecker, AgreesWithIsaCheckOnEveryInstruction)
{
    std::mt19937_64 rng(5);
    auto legal = [&](isa_op op) {
        isa_instr in;
        std::memset(&in, 0, sizeof in);
        in.op = op;
        const isa_opdef *d = isa_def(op);
        for (int j = 0; j < d->nfields; j++) {
            const isa_field &f = d->fields[j];
            const uint64_t cap = enum_cap(f);
            set_field(&in, f, cap == ~0ull ? rng() : rng() % (cap + 1));
        }
        return in;
    };
    char err[256];
    int cases = 0;
    for (int op = 0; op < OP_COUNT; op++) {
        const isa_opdef *d = isa_def(static_cast<isa_op>(op));
        for (int j = -1; j < d->nfields; j++) {
            std::vector<isa_instr> prog;
            for (int i = 0; i < 40; i++)
                prog.push_back(legal(static_cast<isa_op>(rng() % OP_COUNT)));
            const size_t at = rng() % prog.size();
            prog[at] = legal(static_cast<isa_op>(op));
            bool bad = false;
            if (j >= 0) { // field j one past what it holds
                const isa_field &f = d->fields[j];
                const uint64_t cap = enum_cap(f);
                if (cap >= (f.size == 8 ? ~0ull : 0xFFFFFFFFull))
                    continue; // every value of the member fits

                set_field(&prog[at], f, cap + 1);
                bad = true;
            }
            program_checker c;
            program_checker_init(&c);
            for (const isa_instr &in : prog)
                program_checker_add(&c, &in);
            EXPECT_EQ(program_checker_ok(&c), bad ? 0 : 1) << d->mnemonic << " field " << j;
            bool any = false;
            for (const isa_instr &in : prog)
                any |= isa_check(&in, err, sizeof err) != 0;
            EXPECT_EQ(any, bad) << d->mnemonic << " field " << j;
            program p;
            program_init(&p);
            for (const isa_instr &in : prog)
                ASSERT_EQ(program_push(&p, &in), 0);
            size_t where = 0;
            EXPECT_EQ(program_check(&p, 0, &where, err, sizeof err), bad ? -1 : 0);
            if (bad) {
                EXPECT_EQ(where, at) << d->mnemonic;
            }
            program_free(&p);
            cases++;
        }
    }
    EXPECT_GT(cases, 2 * OP_COUNT);
    isa_instr unknown;
    std::memset(&unknown, 0, sizeof unknown);
    unknown.op = static_cast<isa_op>(OP_COUNT);
    program_checker c;
    program_checker_init(&c);
    program_checker_add(&c, &unknown);
    EXPECT_EQ(program_checker_ok(&c), 0);
    EXPECT_NE(isa_check(&unknown, err, sizeof err), 0);
}

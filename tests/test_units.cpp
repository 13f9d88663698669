// Console figures with SI prefixes (sim/cli/units.c) and the progress line
// (sim/cli/progress.c) driven by an injected clock.
#include <gtest/gtest.h>

#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "progress.h"
#include "units.h"

namespace {

std::string si(double v, const char *unit)
{
    char b[UNITS_LEN];
    return units_si(b, sizeof b, v, unit);
}

std::string dur(double s)
{
    char b[UNITS_LEN];
    return units_duration(b, sizeof b, s);
}

TEST(UnitsSi, ScalesToThePrefixThatKeepsFourDigits)
{
    EXPECT_EQ(si(13.81e12, " MAC"), "13.81 T MAC");
    EXPECT_EQ(si(55234869.622e3, " cycles"), "55.23 G cycles");
    EXPECT_EQ(si(0.0435, "s"), "43.50 ms");
    EXPECT_EQ(si(2.68e9, "B"), "2.680 GB");
    EXPECT_EQ(si(1.5e3, ""), "1.500 k");
    EXPECT_EQ(si(123456.0, "B"), "123.5 kB");
    EXPECT_EQ(si(4.096e12, "OPS"), "4.096 TOPS");
}

TEST(UnitsSi, ZeroAndExactSmallIntegersArePrintedExactly)
{
    EXPECT_EQ(si(0, " MAC"), "0 MAC");
    EXPECT_EQ(si(0, "s"), "0 s");
    EXPECT_EQ(si(0, ""), "0");
    EXPECT_EQ(si(47, " MAC"), "47 MAC");
    EXPECT_EQ(si(999, " cycles"), "999 cycles");
    EXPECT_EQ(si(1000, " cycles"), "1.000 k cycles");
    EXPECT_EQ(si(-3, "B"), "-3 B");
}

TEST(UnitsSi, BelowOneTakesTheSmallPrefixes)
{
    EXPECT_EQ(si(0.5, "s"), "500.0 ms");
    EXPECT_EQ(si(0.999, "s"), "999.0 ms");
    EXPECT_EQ(si(912e-9, "s"), "912.0 ns");
    EXPECT_EQ(si(1e-9, "s"), "1.000 ns");
    EXPECT_EQ(si(6.436e-12, "J"), "6.436 pJ");
    EXPECT_EQ(si(2.5e-6, "J"), "2.500 uJ");
    EXPECT_EQ(si(1.5, " tokens/s"), "1.500 tokens/s");
}

TEST(UnitsSi, RoundingUpMovesToTheNextPrefix)
{
    EXPECT_EQ(si(999.95, "B"), "1.000 kB");
    EXPECT_EQ(si(999.94, "B"), "999.9 B");
    EXPECT_EQ(si(999949.0, "B"), "999.9 kB");
    EXPECT_EQ(si(999950.5, "B"), "1.000 MB");
    EXPECT_EQ(si(9.9996, "s"), "10.00 s");
    EXPECT_EQ(si(99.996, "s"), "100.0 s");
    EXPECT_EQ(si(0.99996, "s"), "1.000 s");
    EXPECT_EQ(si(0.0009999996, "s"), "1.000 ms");
}

TEST(UnitsSi, HugeAndTinyValues)
{
    EXPECT_EQ(si(18446744073709551615.0, " MAC"), "18.45 E MAC"); // 2^64
    EXPECT_EQ(si(1e30, "B"), "1.000 QB");
    EXPECT_EQ(si(999.9e30, "B"), "999.9 QB");
    EXPECT_EQ(si(999.99e30, "B"), "1.000e+33 B"); // past the last prefix
    EXPECT_EQ(si(1e40, " MAC"), "1.000e+40 MAC");
    EXPECT_EQ(si(1e-30, "s"), "1.000 qs");
    EXPECT_EQ(si(1e-33, "s"), "1.000e-33 s");
    EXPECT_EQ(si(-13.81e12, " MAC"), "-13.81 T MAC");
    EXPECT_EQ(si(1.0 / 0.0, "B"), "inf B");
    EXPECT_EQ(si(-1.0 / 0.0, "B"), "-inf B");
    EXPECT_EQ(si(0.0 / 0.0, "B"), "nan B");
}

TEST(UnitsSi, TruncatesIntoASmallBufferAndStaysTerminated)
{
    char b[6];
    units_si(b, sizeof b, 13.81e12, " MAC");
    EXPECT_EQ(std::string(b), "13.81");
}

TEST(UnitsDuration, SecondsMinutesHours)
{
    EXPECT_EQ(dur(0), "0 s");
    EXPECT_EQ(dur(59.4), "59 s");
    EXPECT_EQ(dur(59.6), "1 min 00 s");
    EXPECT_EQ(dur(125), "2 min 05 s");
    EXPECT_EQ(dur(3725), "1 h 02 min");
    EXPECT_EQ(dur(-1), "?");
    EXPECT_EQ(dur(0.0 / 0.0), "?");
}

// ---- progress with a fake clock ----

struct FakeClock {
    double t = 100.0;
};

double fake_now(void *ctx) { return static_cast<FakeClock *>(ctx)->t; }

struct Capture {
    char *buf = nullptr;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ~Capture()
    {
        if (f)
            fclose(f);
        free(buf);
    }
    std::string text()
    {
        fflush(f);
        return std::string(buf, len);
    }
};

int count(const std::string &s, const std::string &what)
{
    int n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        n++;
    return n;
}

TEST(Progress, SilentForRunsShorterThanTheGracePeriod)
{
    for (int tty = 0; tty < 2; tty++) {
        FakeClock c;
        Capture out;
        progress p;
        progress_init_ex(&p, "prefill", "operations", 19, out.f, tty, fake_now, &c);
        for (int i = 1; i <= 19; i++) {
            c.t += 0.05; // 0.95 s in all
            progress_update(&p, (uint64_t)i);
        }
        progress_end(&p);
        EXPECT_EQ(out.text(), "") << "tty " << tty;
    }
}

TEST(Progress, PeriodicLinesWhenNotATerminal)
{
    FakeClock c;
    Capture out;
    progress p;
    progress_init_ex(&p, "decode functional", "layers", 40, out.f, 0, fake_now, &c);
    c.t += 0.5;
    progress_update(&p, 2); // inside the grace period: nothing
    EXPECT_EQ(out.text(), "");
    c.t += 0.5;
    progress_update(&p, 4); // 1.0 s: the first line
    EXPECT_EQ(out.text(), "lutsim: decode functional: 4/40 layers (10.0%), 4 layers/s, ETA 9 s\n");
    c.t += 2.0;
    progress_update(&p, 12); // 2 s after the first line: nothing yet
    EXPECT_EQ(count(out.text(), "\n"), 1);
    c.t += 3.0;
    progress_update(&p, 24); // 6.0 s: 5 s after the first line
    EXPECT_EQ(count(out.text(), "\n"), 2);
    EXPECT_NE(out.text().find("24/40 layers (60.0%), 4 layers/s, ETA 4 s\n"), std::string::npos);
    c.t += 4.0;
    progress_update(&p, 40);
    progress_end(&p); // the final count, once
    std::string t = out.text();
    EXPECT_EQ(count(t, "\n"), 3);
    EXPECT_NE(t.find("40/40 layers (100.0%), 4 layers/s, took 10 s\n"), std::string::npos) << t;
    EXPECT_EQ(t.find('\r'), std::string::npos);
}

TEST(Progress, SlowRatesArePlainNumbersNotMilliUnits)
{
    FakeClock c;
    Capture out;
    progress p;
    progress_init_ex(&p, "prefill functional", "layers", 225, out.f, 0, fake_now, &c);
    c.t += 4.0;
    progress_update(&p, 3);
    progress_end(&p);
    EXPECT_NE(out.text().find("3/225 layers (1.3%), 0.75 layers/s, ETA 4 min 56 s"),
              std::string::npos) << out.text();
}

TEST(Progress, FinalLineIsNotRepeatedWhenJustPrinted)
{
    FakeClock c;
    Capture out;
    progress p;
    progress_init_ex(&p, "gemm", "instructions", 10, out.f, 0, fake_now, &c);
    c.t += 2.0;
    progress_update(&p, 10); // first line is also the last
    progress_end(&p);
    EXPECT_EQ(count(out.text(), "\n"), 1);
    EXPECT_NE(out.text().find("10/10 instructions (100.0%)"), std::string::npos);
}

TEST(Progress, TerminalLineRedrawsInPlaceAndIsErasedAtTheEnd)
{
    FakeClock c;
    Capture out;
    progress p;
    progress_init_ex(&p, "gemm", "instructions", 1000, out.f, 1, fake_now, &c);
    c.t += 1.0;
    progress_update(&p, 100);
    c.t += 0.1;
    progress_update(&p, 110); // under the redraw interval
    c.t += 0.2;
    progress_update(&p, 130);
    std::string t = out.text();
    EXPECT_EQ(count(t, "\r"), 2);
    EXPECT_EQ(t.find('\n'), std::string::npos);
    EXPECT_NE(t.find("\rlutsim: gemm: 100/1000 instructions (10.0%), 100 instructions/s, ETA 9 s"),
              std::string::npos) << t;
    EXPECT_NE(t.find("\rlutsim: gemm: 130/1000 instructions (13.0%)"), std::string::npos);
    progress_end(&p);
    t = out.text();
    EXPECT_EQ(t.find('\n'), std::string::npos);
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t.back(), '\r'); // erased: carriage return, spaces, carriage return
    size_t erase = t.rfind('\r', t.size() - 2);
    EXPECT_EQ(t.substr(erase + 1, t.size() - erase - 2).find_first_not_of(' '), std::string::npos);
}

TEST(Progress, QuietPrintsNothing)
{
    FakeClock c;
    Capture out;
    progress p;
    progress_init_ex(&p, "gemm", "instructions", 10, out.f, 0, fake_now, &c);
    p.quiet = 1;
    for (int i = 1; i <= 10; i++) {
        c.t += 3.0;
        progress_update(&p, (uint64_t)i);
    }
    progress_end(&p);
    EXPECT_EQ(out.text(), "");
}

} // namespace

# The drawing part of compare.gp.  lutsim compare --plot DIR writes
# DIR/compare.gp as a header holding the comparison's names, then this text:
#   plot_title      the title
#   design[i]       the designs (an array of strings), i = 1..|design|
#   phase[j]        the phases compared (prefill, decode)
#   part[k]         the area breakdown's parts
# compare.dat beside the script has one row per design: its index (0..),
# then per phase speedup, energy ratio and throughput-per-mm^2 ratio against
# the baseline, then the area of every part in mm^2.
here = ""
if (exists("ARG0")) {
    do for [i = strlen(ARG0):1:-1] { if (here eq "" && ARG0[i:i] eq "/") { here = ARG0[1:i] } }
}
if (!exists("points")) points = here."compare.dat"
if (!exists("png")) png = here."compare.png"
if (!exists("svg")) svg = here."compare.svg"
if (!exists("pdf")) pdf = here."compare.pdf"

nd = |design|
np = |phase|
w = 0.8 / (2 * np)   # bar width: phases side by side within a design's group
set style fill solid 0.8 border -1
set boxwidth w
set grid ytics lc rgb "#dddddd"
set xrange [-0.6:nd - 0.4]
set yrange [0:*]
set key top left noenhanced
set xtics () noenhanced rotate by -20
do for [i=1:nd] { set xtics add (design[i] i - 1) }
col(j, m) = 2 + 3 * (j - 1) + m   # phase j's column of measure m (0, 1, 2)
off(j) = (j - (np + 1) / 2.0) * w

do for [fmt in "pngcairo svg pdfcairo"] {
    if (fmt eq "pngcairo") { set terminal pngcairo size 1800,600 enhanced font "sans,11"; set output png }
    if (fmt eq "svg") { set terminal svg size 1800,600 enhanced font "sans,11"; set output svg }
    if (fmt eq "pdfcairo") { set terminal pdfcairo size 15in,5in enhanced font "sans,9"; set output pdf }
    set multiplot layout 1,3 title plot_title noenhanced
    set ylabel "speedup over the baseline (x)"
    plot for [j=1:np] points using ($1 + off(j)):(column(col(j, 0))) with boxes title phase[j]
    set ylabel "energy per token / baseline's (x)"
    plot for [j=1:np] points using ($1 + off(j)):(column(col(j, 1))) with boxes title phase[j]
    set ylabel "area (mm^2)"
    set boxwidth 0.6
    set style histogram rowstacked
    set style data histograms
    set key outside right top
    plot for [k=1:|part|] points using (column(2 + 3 * np + k - 1)) title part[k]
    set boxwidth w
    set key inside top left
    unset multiplot
    unset output
}

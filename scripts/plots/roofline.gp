# The drawing part of roofline.gp.  lutsim run --plot DIR writes
# DIR/roofline.gp as a header holding the run's figures, then this text:
#   plot_title          the title
#   bw_gbs              DRAM bandwidth, GB/s
#   ceil_ops[i]         compute ceilings, ops/s (an array)
#   ceil_label[i]       their legend entries (an array of strings)
# The points are in roofline.dat beside the script: name,
# phase (0 prefill, 1 decode), intensity (ops per DRAM byte), achieved ops/s.

# File names are relative to this script's folder, so gnuplot DIR/roofline.gp
# and cd DIR && gnuplot roofline.gp both redraw DIR/roofline.{png,svg,pdf}.
# (lutsim itself passes its temporary names with gnuplot -e.)
here = ""
if (exists("ARG0")) {
    do for [i = strlen(ARG0):1:-1] { if (here eq "" && ARG0[i:i] eq "/") { here = ARG0[1:i] } }
}
if (!exists("points")) points = here."roofline.dat"
if (!exists("png")) png = here."roofline.png"
if (!exists("svg")) svg = here."roofline.svg"
if (!exists("pdf")) pdf = here."roofline.pdf"

set logscale xy
set xlabel "operational intensity (ops per DRAM byte)"
set ylabel "performance (ops/s)"
set format y "10^{%L}"
set format x "10^{%L}"
set key top left box opaque
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set title plot_title noenhanced

stats points using 3 nooutput
xmin = STATS_min / 4.0
xmax = STATS_max * 12.0  # room for labels right of the points
ymax = 0
do for [i=1:|ceil_ops|] { if (ceil_ops[i] > ymax) { ymax = ceil_ops[i] } }
ymax = ymax * 3.0
bw = bw_gbs * 1e9
stats points using 4 nooutput
ymin = STATS_min / 4.0
if (bw * xmin < ymin) ymin = bw * xmin
set xrange [xmin:xmax]
set yrange [ymin:ymax]

set samples 1000  # sharp corners where a slope meets a ceiling
roof(x, peak) = (bw * x < peak) ? bw * x : peak

do for [fmt in "pngcairo svg pdfcairo"] {
    if (fmt eq "pngcairo") { set terminal pngcairo size 1200,800 enhanced font "sans,11"; set output png }
    if (fmt eq "svg") { set terminal svg size 1200,800 enhanced font "sans,11"; set output svg }
    if (fmt eq "pdfcairo") { set terminal pdfcairo size 8in,5.5in enhanced font "sans,9"; set output pdf }
    plot for [i=1:|ceil_ops|] roof(x, ceil_ops[i]) \
             with lines lw 2 dt i title sprintf("roof: %s", ceil_label[i]) noenhanced, \
         points using ($2 == 0 ? $3 : 1/0):4 with points pt 7 ps 1.3 lc rgb "#1f77b4" title "prefill", \
         points using ($2 == 1 ? $3 : 1/0):4 with points pt 5 ps 1.3 lc rgb "#d62728" title "decode", \
         points using 3:4:1 with labels offset char 1,0.6 left font ",8" noenhanced notitle
    unset output
}

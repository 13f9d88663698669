# roofline.gp - roofline of one lutsim run (called by `lutsim run --plot DIR`).
#
# Variables (gnuplot -e): points = data file; bw_gbs = DRAM bandwidth in
# GB/s; ceil_list = compute ceilings in ops/s and ceil_labels = their labels
# (space-separated words); out = output path without extension; title.
# points file: name phase(0 prefill, 1 decode) intensity_ops_per_byte achieved_ops_per_s
if (!exists("title")) title = "lutsim roofline"

set logscale xy
set xlabel "operational intensity (ops per DRAM byte)"
set ylabel "performance (ops/s)"
set format y "10^{%L}"
set format x "10^{%L}"
set key top left box opaque
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set title title noenhanced

stats points using 3 nooutput
xmin = STATS_min / 4.0
xmax = STATS_max * 12.0  # room for labels right of the points
ymax = 0
do for [i=1:words(ceil_list)] { v = word(ceil_list, i) + 0.0; if (v > ymax) { ymax = v } }
ymax = ymax * 3.0
bw = bw_gbs * 1e9
stats points using 4 nooutput
ymin = STATS_min / 4.0
if (bw * xmin < ymin) ymin = bw * xmin
set xrange [xmin:xmax]
set yrange [ymin:ymax]

roof(x, peak) = (bw * x < peak) ? bw * x : peak

do for [fmt in "pngcairo svg pdfcairo"] {
    if (fmt eq "pngcairo") { set terminal pngcairo size 1200,800 enhanced font "sans,11"; set output out.".png" }
    if (fmt eq "svg") { set terminal svg size 1200,800 enhanced font "sans,11"; set output out.".svg" }
    if (fmt eq "pdfcairo") { set terminal pdfcairo size 8in,5.5in enhanced font "sans,9"; set output out.".pdf" }
    plot for [i=1:words(ceil_list)] roof(x, word(ceil_list, i) + 0) \
             with lines lw 2 dt i title sprintf("roof: %s", word(ceil_labels, i)) noenhanced, \
         points using ($2 == 0 ? $3 : 1/0):4 with points pt 7 ps 1.3 lc rgb "#1f77b4" title "prefill", \
         points using ($2 == 1 ? $3 : 1/0):4 with points pt 5 ps 1.3 lc rgb "#d62728" title "decode", \
         points using 3:4:1 with labels offset char 1,0.6 left font ",8" noenhanced notitle
    unset output
}

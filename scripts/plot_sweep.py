#!/usr/bin/env python3
"""Charts of a wafersim sweep: reads DIR/results.csv, writes DIR/plots/*.png.

For each value of the repair axis (if the sweep has one), a yield-vs-D0 chart: wafer yield (the
probability that the logical array forms) and tile yield against defect density, one line per value
of the other axes, with 95% intervals as error bars and closed forms as dashed lines. Without a D0
axis, the first numeric axis is the x axis.

With routing metrics (route_* columns): one chart per value of the remaining axes (e.g. mesh
size), with reachability, stretch against shortest paths and the throughput bound against the x
axis, one line per routing algorithm.

Usage: plot_sweep.py DIR      (wafersim sweep calls it; `wafersim plot DIR` redraws)
Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import itertools
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def as_float(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_sweep.py DIR")
    out_dir = sys.argv[1]
    with open(os.path.join(out_dir, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("plot_sweep.py: results.csv has no rows")
    header = list(rows[0].keys())
    axes = header[header.index("point") + 1 : header.index("replicates")]
    numeric = [a for a in axes if all(as_float(r[a]) is not None for r in rows)]
    x_axis = next((a for a in axes if a.endswith("d0_per_cm2")), numeric[0] if numeric else None)
    if x_axis is None:
        print("plot_sweep.py: no numeric axis to plot against; no charts drawn")
        return
    facet_axis = next((a for a in axes if a != x_axis and a.split(".")[0] == "repair"), None)
    series_axes = [a for a in axes if a not in (x_axis, facet_axis)]
    plots_dir = os.path.join(out_dir, "plots")
    os.makedirs(plots_dir, exist_ok=True)

    def ordered(values):
        seen = []
        for v in values:
            if v not in seen:
                seen.append(v)
        return seen

    facets = ordered(r[facet_axis] for r in rows) if facet_axis else [None]
    if "wafer_yield" not in header:  # yield metrics not selected in this sweep
        facets = []
    series_keys = list(itertools.product(*[ordered(r[a] for r in rows) for a in series_axes]))
    log_x = all(as_float(r[x_axis]) > 0 for r in rows)
    written = []
    for facet in facets:
        fig, (ax_w, ax_t) = plt.subplots(1, 2, figsize=(12, 4.6))
        for key in series_keys:
            pts = [r for r in rows if (facet is None or r[facet_axis] == facet)
                   and all(r[a] == v for a, v in zip(series_axes, key))]
            pts.sort(key=lambda r: as_float(r[x_axis]))
            if not pts:
                continue
            label = ", ".join(f"{a.split('.')[-1]}={v}" for a, v in zip(series_axes, key)) or "MC"
            x = [as_float(r[x_axis]) for r in pts]
            for ax, m, flip in ((ax_w, "wafer_yield", False), (ax_t, "tile_yield", True)):
                # The tile panel shows the dead-tile fraction 1 - tile_yield: on a wafer of tiny tiles
                # the yield is 0.9999..., and only its complement is readable.
                f = (lambda v: 1.0 - v) if flip else (lambda v: v)
                y = [f(as_float(r[m])) for r in pts]
                a = [f(as_float(r[m + "_lo"])) for r in pts]
                b = [f(as_float(r[m + "_hi"])) for r in pts]
                lo = [max(0.0, yy - min(aa, bb)) for yy, aa, bb in zip(y, a, b)]
                hi = [max(0.0, max(aa, bb) - yy) for yy, aa, bb in zip(y, a, b)]
                line = ax.errorbar(x, y, yerr=[lo, hi], marker="o", ms=4, capsize=3, label=f"{label} (Monte Carlo)")
                closed = [as_float(r.get(m + "_closed")) for r in pts]
                if all(c is not None for c in closed):
                    ax.plot(x, [f(c) for c in closed], ls="--", color=line[0].get_color(), label=f"{label} (closed form)")
        title = f"{facet_axis.split('.')[-1]}: {facet}" if facet is not None else "all points"
        for ax, what in ((ax_w, "wafer yield: P(logical array forms)"), (ax_t, "dead-tile fraction: 1 - tile yield")):
            if log_x:
                ax.set_xscale("log")
                if ax is ax_t:
                    ax.set_yscale("log")
            ax.set_xlabel(x_axis)
            ax.set_ylabel(what)
            ax.grid(True, which="both", alpha=0.3)
        ax_w.set_ylim(-0.03, 1.03)
        ax_w.set_title(f"Wafer yield vs {x_axis.split('.')[-1]} ({title})")
        ax_t.set_title(f"Dead tiles vs {x_axis.split('.')[-1]} ({title})")
        ax_t.legend(fontsize=7, loc="upper left")
        ax_w.legend(fontsize=7, loc="lower left")
        fig.suptitle(f"{rows[0]['replicates']} wafers per point, 95% intervals; seed {rows[0]['seed']}", fontsize=9)
        fig.tight_layout()
        # Named after the x axis: yield_vs_d0 for D0, yield_vs_dead_tile_fraction for that axis.
        x_name = "d0" if x_axis.endswith("d0_per_cm2") else re.sub(r"[^A-Za-z0-9_.-]+", "_", x_axis.split(".")[-1])
        name = f"yield_vs_{x_name}" + (f"_{re.sub(r'[^A-Za-z0-9_.-]+', '_', facet)}" if facet is not None else "") + ".png"
        fig.savefig(os.path.join(plots_dir, name), dpi=110)
        plt.close(fig)
        written.append(name)
    if "route_reachability" in header:
        written += plot_routing(rows, axes, x_axis, plots_dir, log_x=False)
    print("plot_sweep.py: wrote " + ", ".join(os.path.join(plots_dir, n) for n in written))


def plot_routing(rows, axes, x_axis, plots_dir, log_x):
    algo_axis = next((a for a in axes if a.endswith("routing.algorithm")), None)
    facet_axes = [a for a in axes if a not in (x_axis, algo_axis)]
    facets = []
    for r in rows:
        key = tuple(r[a] for a in facet_axes)
        if key not in facets:
            facets.append(key)
    algos = []
    for r in rows:
        a = r[algo_axis] if algo_axis else "routing"
        if a not in algos:
            algos.append(a)
    panels = [("route_reachability", "reachability (served pairs)"),
              ("route_stretch_shortest", "stretch vs shortest path"),
              ("route_throughput_bound", "throughput bound (flits/node/cycle)")]
    written = []
    for key in facets:
        fig, axs = plt.subplots(1, len(panels), figsize=(15, 4.4))
        for algo in algos:
            pts = [r for r in rows if tuple(r[a] for a in facet_axes) == key and (not algo_axis or r[algo_axis] == algo)]
            pts.sort(key=lambda r: as_float(r[x_axis]))
            x = [as_float(r[x_axis]) for r in pts]
            for ax, (m, label) in zip(axs, panels):
                y = [as_float(r[m]) for r in pts]
                if all(v is None for v in y):
                    continue
                keep = [i for i, v in enumerate(y) if v is not None]
                lo = [max(0.0, y[i] - as_float(pts[i][m + "_lo"])) for i in keep]
                hi = [max(0.0, as_float(pts[i][m + "_hi"]) - y[i]) for i in keep]
                ax.errorbar([x[i] for i in keep], [y[i] for i in keep], yerr=[lo, hi], marker="o", ms=4, capsize=3, label=algo)
        name_bits = ", ".join(f"{a.split('.')[-1]}={v}" for a, v in zip(facet_axes, key))
        for ax, (m, label) in zip(axs, panels):
            ax.set_xlabel(x_axis)
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
            if not ax.lines and not ax.collections:
                ax.text(0.5, 0.5, "not measured here\n(needs every destination:\nroute_destinations: 0)", ha="center",
                        va="center", transform=ax.transAxes, fontsize=9, color="#555")
        if axs[2].lines:
            axs[2].set_yscale("log")
        axs[0].legend(fontsize=8)
        fig.suptitle(f"Routing around dead tiles: {name_bits} ({rows[0]['replicates']} fault maps per point, 95% intervals)", fontsize=10)
        fig.tight_layout()
        name = "routing_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", "_".join(key) or "all") + ".png"
        fig.savefig(os.path.join(plots_dir, name), dpi=110)
        plt.close(fig)
        written.append(name)
    return written


if __name__ == "__main__":
    main()

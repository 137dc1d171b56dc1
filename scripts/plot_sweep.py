#!/usr/bin/env python3
"""Charts of a wafersim sweep: reads DIR/results.csv (and DIR/meta.json for the sweep's name),
writes DIR/plots/*.png.

- yield_vs_<x>_<repair>.png, for each value of the repair axis (if the sweep has one): wafer yield
  (the probability that the logical array forms) and the dead-tile fraction against defect density,
  one line per value of the other axes, with 95% intervals as error bars and closed forms dashed.
  Without a D0 axis, the first numeric axis is the x axis.
- yield_vs_<x>_by_repair.png, when the sweep has a repair axis: the repair strategies compared in
  one figure, wafer yield against the x axis with one line (and its 95% band) per strategy, one
  panel per value of the other axes (e.g. each clustering alpha).
- routing_<axis values>.png, with routing metrics (route_* columns): reachability, stretch against
  shortest paths and the throughput bound against the x axis, one line per routing algorithm, one
  chart per value of the remaining axes (e.g. mesh size).

Axis labels are words with units (scripts/wafersim_labels.py: "D0 (defects/cm^2)", not the key
defects.d0_per_cm2); log axes are labelled 0.03, 0.1, 0.3, 1.

Usage: plot_sweep.py DIR      (wafersim sweep calls it; `wafersim plot DIR` redraws)
Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import itertools
import json
import math
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from wafersim_labels import PAPER_STYLE, label, readable_log_axis, short  # noqa: E402


def as_float(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def ordered(values):
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def file_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def series_label(axes, key):
    return ", ".join(f"{short(a)} = {v}" for a, v in zip(axes, key))


def interval(pts, m, f=lambda v: v):
    """Values of metric m and their 95% interval as error-bar lengths (below, above)."""
    y = [f(as_float(r[m])) for r in pts]
    a = [f(as_float(r[m + "_lo"])) for r in pts]
    b = [f(as_float(r[m + "_hi"])) for r in pts]
    lo = [max(0.0, yy - min(aa, bb)) for yy, aa, bb in zip(y, a, b)]
    hi = [max(0.0, max(aa, bb) - yy) for yy, aa, bb in zip(y, a, b)]
    return y, lo, hi


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_sweep.py DIR")
    out_dir = sys.argv[1]
    with open(os.path.join(out_dir, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("plot_sweep.py: results.csv has no rows")
    meta = {}
    try:
        with open(os.path.join(out_dir, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        pass
    plt.rcParams.update(PAPER_STYLE)
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
    sweep = meta.get("sweep", os.path.basename(os.path.normpath(out_dir)))
    replicates, seed = rows[0]["replicates"], rows[0]["seed"]
    x_values = sorted({as_float(r[x_axis]) for r in rows})
    log_x = x_values[0] > 0 and x_values[-1] / x_values[0] >= 10
    # Named after the x axis: yield_vs_d0 for D0, yield_vs_dead_tile_fraction for that axis.
    x_name = "d0" if x_axis.endswith("d0_per_cm2") else file_name(x_axis.split(".")[-1])

    def x_scale(ax):
        if log_x:
            ax.set_xscale("log")
            readable_log_axis(ax.xaxis, x_values[0], x_values[-1])
        ax.set_xlabel(label(x_axis))

    written = []
    facets = ordered(r[facet_axis] for r in rows) if facet_axis else [None]
    if "wafer_yield" not in header:  # yield metrics not selected in this sweep
        facets = []
    series_keys = list(itertools.product(*[ordered(r[a] for r in rows) for a in series_axes]))
    for facet in facets:
        fig, (ax_w, ax_t) = plt.subplots(1, 2, figsize=(11, 4.2))
        dead_fractions = []
        closed_drawn = False
        for key in series_keys:
            pts = [r for r in rows if (facet is None or r[facet_axis] == facet)
                   and all(r[a] == v for a, v in zip(series_axes, key))]
            pts.sort(key=lambda r: as_float(r[x_axis]))
            if not pts:
                continue
            name = series_label(series_axes, key) or "Monte Carlo"
            x = [as_float(r[x_axis]) for r in pts]
            for ax, m, flip in ((ax_w, "wafer_yield", False), (ax_t, "tile_yield", True)):
                # The tile panel shows the dead-tile fraction 1 - tile_yield: on a wafer of tiny tiles
                # the yield is 0.9999..., and only its complement is readable.
                f = (lambda v: 1.0 - v) if flip else (lambda v: v)
                y, lo, hi = interval(pts, m, f)
                if flip:
                    dead_fractions += [v for v in y if v > 0]
                line = ax.errorbar(x, y, yerr=[lo, hi], marker="o", ms=4, capsize=3, label=name if ax is ax_w else None)
                closed = [as_float(r.get(m + "_closed")) for r in pts]
                if all(c is not None for c in closed):
                    ax.plot(x, [f(c) for c in closed], ls="--", lw=1, color=line[0].get_color())
                    closed_drawn = True
        what = f"{label(facet_axis)}: {facet}" if facet is not None else "all points"
        x_scale(ax_w)
        x_scale(ax_t)
        ax_w.set_ylabel("wafer yield: P(logical array forms)")
        ax_w.set_ylim(-0.03, 1.03)
        ax_w.set_title(f"Wafer yield vs {short(x_axis)}")
        ax_t.set_ylabel("dead-tile fraction (1 - tile yield)")
        if log_x and dead_fractions:
            ax_t.set_yscale("log")
            readable_log_axis(ax_t.yaxis, min(dead_fractions), max(dead_fractions))
        ax_t.set_title(f"Dead tiles vs {short(x_axis)}")
        for ax in (ax_w, ax_t):
            ax.grid(True, which="major", alpha=0.3)
        handles, labels = ax_w.get_legend_handles_labels()
        if closed_drawn:
            handles.append(Line2D([], [], color="grey", ls="--", lw=1))
            labels.append("closed form (dashed)")
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        fig.suptitle(f"{sweep}, {what}: {replicates} wafers per point, 95% intervals (seed {seed})")
        fig.tight_layout()
        name = f"yield_vs_{x_name}" + (f"_{file_name(facet)}" if facet is not None else "") + ".png"
        fig.savefig(os.path.join(plots_dir, name))
        plt.close(fig)
        written.append(name)
    if facet_axis and facets:
        written.append(plot_repair_comparison(rows, x_axis, facet_axis, series_axes, x_scale, plots_dir, x_name, sweep))
    if "route_reachability" in header:
        written += plot_routing(rows, axes, x_axis, plots_dir, sweep)
    print("plot_sweep.py: wrote " + ", ".join(os.path.join(plots_dir, n) for n in written))


def plot_repair_comparison(rows, x_axis, repair_axis, panel_axes, x_scale, plots_dir, x_name, sweep):
    """The repair strategies in one figure: wafer yield against x, one line and 95% band per
    strategy, one panel per value of the other axes."""
    strategies = ordered(r[repair_axis] for r in rows)
    panels = list(itertools.product(*[ordered(r[a] for r in rows) for a in panel_axes]))
    cols = min(3, len(panels))
    grid_rows = math.ceil(len(panels) / cols)
    fig, axs = plt.subplots(grid_rows, cols, figsize=(4.2 * cols, 3.6 * grid_rows), sharey=True, squeeze=False)
    colours = {s: f"C{i}" for i, s in enumerate(strategies)}
    closed_drawn = False
    for ax, key in zip(axs.flat, panels):
        for s in strategies:
            pts = [r for r in rows if r[repair_axis] == s and all(r[a] == v for a, v in zip(panel_axes, key))]
            pts.sort(key=lambda r: as_float(r[x_axis]))
            if not pts:
                continue
            x = [as_float(r[x_axis]) for r in pts]
            y, lo, hi = interval(pts, "wafer_yield")
            ax.fill_between(x, [a - b for a, b in zip(y, lo)], [a + b for a, b in zip(y, hi)], color=colours[s], alpha=0.18, lw=0)
            ax.plot(x, y, marker="o", ms=4, color=colours[s], label=s)
            closed = [as_float(r.get("wafer_yield_closed")) for r in pts]
            if all(c is not None for c in closed):
                ax.plot(x, closed, ls="--", lw=1, color=colours[s])
                closed_drawn = True
        x_scale(ax)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(True, which="major", alpha=0.3)
        if panel_axes:
            ax.set_title(series_label(panel_axes, key))
    for ax in axs[:, 0]:
        ax.set_ylabel("wafer yield: P(logical array forms)")
    for ax in list(axs.flat)[len(panels):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=colours[s], marker="o", ms=4) for s in strategies]
    labels = list(strategies)
    if closed_drawn:
        handles.append(Line2D([], [], color="grey", ls="--", lw=1))
        labels.append("closed form (dashed)")
    fig.legend(handles, labels, title=label(repair_axis), loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    r0 = rows[0]
    fig.suptitle(f"{sweep}: wafer yield by {label(repair_axis)} ({r0['replicates']} wafers per point, shaded: 95% interval)")
    fig.tight_layout()
    name = f"yield_vs_{x_name}_by_repair.png"
    fig.savefig(os.path.join(plots_dir, name))
    plt.close(fig)
    return name


def plot_routing(rows, axes, x_axis, plots_dir, sweep):
    algo_axis = next((a for a in axes if a.endswith("routing.algorithm")), None)
    facet_axes = [a for a in axes if a not in (x_axis, algo_axis)]
    facets = ordered(tuple(r[a] for a in facet_axes) for r in rows)
    algos = ordered(r[algo_axis] if algo_axis else "routing" for r in rows)
    panels = ["route_reachability", "route_stretch_shortest", "route_throughput_bound"]
    written = []
    for key in facets:
        fig, axs = plt.subplots(1, len(panels), figsize=(13, 3.9))
        for algo in algos:
            pts = [r for r in rows if tuple(r[a] for a in facet_axes) == key and (not algo_axis or r[algo_axis] == algo)]
            pts.sort(key=lambda r: as_float(r[x_axis]))
            x = [as_float(r[x_axis]) for r in pts]
            for ax, m in zip(axs, panels):
                y = [as_float(r[m]) for r in pts]
                if all(v is None for v in y):
                    continue
                keep = [i for i, v in enumerate(y) if v is not None]
                lo = [max(0.0, y[i] - as_float(pts[i][m + "_lo"])) for i in keep]
                hi = [max(0.0, as_float(pts[i][m + "_hi"]) - y[i]) for i in keep]
                ax.errorbar([x[i] for i in keep], [y[i] for i in keep], yerr=[lo, hi], marker="o", ms=4, capsize=3, label=algo)
        for ax, m in zip(axs, panels):
            ax.set_xlabel(label(x_axis))
            ax.set_ylabel(label(m))
            ax.grid(True, alpha=0.3)
            if not ax.lines and not ax.collections:
                ax.text(0.5, 0.5, "not measured here\n(needs every destination:\nroute_destinations: 0)", ha="center",
                        va="center", transform=ax.transAxes, fontsize=9, color="#555")
        if axs[2].lines:
            values = [v for line in axs[2].lines for v in line.get_ydata() if v > 0]
            if values and max(values) / min(values) >= 3:
                axs[2].set_yscale("log")
                readable_log_axis(axs[2].yaxis, min(values), max(values))
        handles, labels = axs[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, title=label(algo_axis) if algo_axis else None, loc="center left",
                       bbox_to_anchor=(1.0, 0.5), frameon=False)
        bits = series_label(facet_axes, key)
        fig.suptitle(f"{sweep}: routing around dead tiles{', ' + bits if bits else ''} "
                     f"({rows[0]['replicates']} fault maps per point, 95% intervals)")
        fig.tight_layout()
        name = "routing_" + file_name("_".join(key) or "all") + ".png"
        fig.savefig(os.path.join(plots_dir, name))
        plt.close(fig)
        written.append(name)
    return written


if __name__ == "__main__":
    main()

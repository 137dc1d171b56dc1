#!/usr/bin/env python3
"""Latency-throughput chart of a `wafersim noc --sweep`: reads DIR/results.csv (and DIR/meta.json
for the network's description), writes DIR/plots/latency_throughput.png.

Left: mean and p99 packet latency (cycles, creation to tail ejection) against offered load, on a
log axis labelled in plain numbers, with the zero-load formula dashed; right: accepted against
offered throughput (flits/node/cycle) with the y = x line and the saturation throughput marked.
Saturated points (status != ok) are drawn hollow.

Usage: plot_noc.py DIR      (wafersim noc --sweep calls it; `wafersim plot DIR` redraws)
Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from wafersim_labels import PAPER_STYLE, label, readable_log_axis  # noqa: E402


def describe(meta, out_dir):
    """'booksim-like.yaml (8 x 8 fabric, xy routing, ...)' from meta.json; the folder's name without it."""
    if not meta:
        return os.path.basename(os.path.normpath(out_dir))
    bits = []
    fabric = meta.get("fabric", {})
    if fabric:
        bits.append(f"{fabric.get('rows')} x {fabric.get('cols')} fabric")
    if meta.get("routing"):
        bits.append(f"{meta['routing']} routing")
    traffic = meta.get("traffic", {})
    if traffic.get("pattern"):
        bits.append(f"{traffic['pattern']} traffic, {traffic.get('packet_size', '?')}-flit packets")
    name = os.path.basename(meta.get("config", "")) or os.path.basename(os.path.normpath(out_dir))
    return f"{name} ({', '.join(bits)})" if bits else name


def main(out_dir):
    with open(os.path.join(out_dir, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print("plot_noc.py: results.csv has no rows (the sweep measured no rate)", file=sys.stderr)
        return 1
    meta = {}
    try:
        with open(os.path.join(out_dir, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        pass
    plt.rcParams.update(PAPER_STYLE)
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] != "ok"]
    fig, (ax_l, ax_t) = plt.subplots(1, 2, figsize=(10, 3.9))
    for series, hollow in ((ok, False), (bad, True)):
        if not series:
            continue
        x = [float(r["offered"]) for r in series]
        kw = {"markerfacecolor": "white", "linestyle": "none"} if hollow else {"linestyle": "-"}
        ax_l.plot(x, [float(r["latency_mean"]) for r in series], marker="o", color="C0", label=None if hollow else "mean", **kw)
        ax_l.plot(x, [float(r["latency_p99"]) for r in series], marker="s", color="C1", label=None if hollow else "p99", **kw)
        ax_t.plot(x, [float(r["accepted"]) for r in series], marker="o", color="C2", label=None if hollow else "accepted", **kw)
    if bad:
        ax_l.plot([], [], marker="o", color="grey", markerfacecolor="white", linestyle="none", label="saturated (hollow)")
    if ok:
        ax_l.axhline(float(ok[0]["zero_load_latency"]), color="grey", linestyle="--", lw=1, label="zero-load formula")
    top = max(float(r["offered"]) for r in rows)
    ax_t.plot([0, top], [0, top], color="grey", linestyle=":", label="accepted = offered")
    saturation = (meta.get("sweep") or {}).get("saturation_throughput")
    if saturation:
        ax_t.axhline(saturation, color="C3", lw=1, linestyle="--", label=f"saturation {saturation:.3g}")
    latencies = [float(r[k]) for r in rows for k in ("latency_mean", "latency_p99") if float(r[k]) > 0]
    ax_l.set_xlabel(label("offered"))
    ax_l.set_ylabel("packet latency (cycles)")
    if latencies and max(latencies) / min(latencies) >= 3:
        ax_l.set_yscale("log")
        readable_log_axis(ax_l.yaxis, min(latencies), max(latencies))
    ax_l.legend(loc="upper left", frameon=False)
    ax_l.set_title("Packet latency")
    ax_t.set_xlabel(label("offered"))
    ax_t.set_ylabel(label("accepted"))
    ax_t.legend(loc="upper left", frameon=False)
    ax_t.set_title("Throughput")
    for ax in (ax_l, ax_t):
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlim(left=0)
    fig.suptitle(f"Latency and throughput vs offered load: {describe(meta, out_dir)}")
    fig.tight_layout()
    os.makedirs(os.path.join(out_dir, "plots"), exist_ok=True)
    path = os.path.join(out_dir, "plots", "latency_throughput.png")
    fig.savefig(path)
    print(f"plot_noc.py: wrote {path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))

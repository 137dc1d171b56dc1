#!/usr/bin/env python3
"""Latency-throughput chart of a `wafersim noc --sweep`: reads DIR/results.csv, writes
DIR/plots/latency_throughput.png.

Left: mean and p99 packet latency (cycles, creation to tail ejection) against offered load,
with the zero-load formula dashed; right: accepted against offered throughput (flits/node/cycle)
with the y = x line. Saturated points (status != ok) are drawn hollow.

Usage: plot_noc.py DIR
Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(out_dir):
    with open(os.path.join(out_dir, "results.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print("plot_noc.py: no rows in results.csv", file=sys.stderr)
        return 0
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] != "ok"]
    fig, (ax_l, ax_t) = plt.subplots(1, 2, figsize=(11, 4.2))
    for series, face in ((ok, None), (bad, "none")):
        if not series:
            continue
        x = [float(r["offered"]) for r in series]
        kw = {"linestyle": "-"} if face is None else {"markerfacecolor": "none", "linestyle": "none"}
        ax_l.plot(x, [float(r["latency_mean"]) for r in series], marker="o", color="C0", label=None if face else "mean", **kw)
        ax_l.plot(x, [float(r["latency_p99"]) for r in series], marker="s", color="C1", label=None if face else "p99", **kw)
        ax_t.plot(x, [float(r["accepted"]) for r in series], marker="o", color="C2", label=None if face else "accepted", **kw)
    if ok:
        ax_l.axhline(float(ok[0]["zero_load_latency"]), color="grey", linestyle="--", label="zero-load formula")
    top = max(float(r["offered"]) for r in rows)
    ax_t.plot([0, top], [0, top], color="grey", linestyle=":", label="accepted = offered")
    ax_l.set_xlabel("offered load (flits/node/cycle)")
    ax_l.set_ylabel("packet latency (cycles)")
    ax_l.set_yscale("log")
    ax_l.legend()
    ax_l.set_title("latency (hollow: saturated)")
    ax_t.set_xlabel("offered load (flits/node/cycle)")
    ax_t.set_ylabel("accepted throughput (flits/node/cycle)")
    ax_t.legend()
    ax_t.set_title("throughput")
    fig.tight_layout()
    os.makedirs(os.path.join(out_dir, "plots"), exist_ok=True)
    fig.savefig(os.path.join(out_dir, "plots", "latency_throughput.png"), dpi=110)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))

"""Words and units for the keys and columns wafersim writes, and readable log-axis ticks.

Shared by plot_sweep.py and plot_noc.py (they import it from their own folder). A key that is not
in the table is shown as it is, so a new axis still gets a label, only not a pretty one.
"""
import math

# Axis keys of sweeps (configs/sweeps/*.yaml) and columns of results.csv: (axis label, short name
# for legends and titles).
KEYS = {
    "defects.d0_per_cm2": ("D0 (defects/cm^2)", "D0"),
    "defects.alpha": ("clustering alpha", "alpha"),
    "defects.dead_tile_fraction": ("dead-tile fraction", "dead fraction"),
    "defects.model": ("defect model", "model"),
    "repair": ("repair strategy", "repair"),
    "repair.strategy": ("repair strategy", "repair"),
    "repair.spares": ("spares per window", "spares"),
    "repair.window": ("repair window (tiles)", "window"),
    "routing.algorithm": ("routing algorithm", "routing"),
    "wafer": ("wafer", "wafer"),
    "wafer.rows": ("tile rows", "rows"),
    "wafer.cols": ("tile columns", "cols"),
    "wafer.tile.width_mm": ("tile width (mm)", "tile width"),
    "wafer.tile.height_mm": ("tile height (mm)", "tile height"),
    "wafer.diameter_mm": ("wafer diameter (mm)", "diameter"),
    "rate": ("offered load (flits/node/cycle)", "rate"),
    "rates": ("offered load (flits/node/cycle)", "rate"),
    "traffic.rate": ("offered load (flits/node/cycle)", "rate"),
    "offered": ("offered load (flits/node/cycle)", "offered"),
    "accepted": ("accepted throughput (flits/node/cycle)", "accepted"),
    "traffic.packet_size": ("packet size (flits)", "packet size"),
    "traffic.pattern": ("traffic pattern", "traffic"),
    "latency_mean": ("mean packet latency (cycles)", "mean latency"),
    "latency_p99": ("p99 packet latency (cycles)", "p99 latency"),
    "wafer_yield": ("wafer yield: P(logical array forms)", "wafer yield"),
    "tile_yield": ("tile yield", "tile yield"),
    "route_reachability": ("reachability (fraction of pairs served)", "reachability"),
    "route_stretch_shortest": ("stretch vs shortest path", "stretch"),
    "route_throughput_bound": ("throughput bound (flits/node/cycle)", "throughput bound"),
}


def label(key):
    """The axis label of a key: 'D0 (defects/cm^2)' for defects.d0_per_cm2; the key itself if unknown."""
    return KEYS.get(key, (key, key))[0]


def short(key):
    """A short name for legends and titles: 'alpha' for defects.alpha; the key's last part if unknown."""
    return KEYS[key][1] if key in KEYS else key.split(".")[-1]


def tick_text(v, _pos=None):
    """A tick value as a reader writes it: 0.03, 0.1, 1, 20, 3000, 1e-05 (never 10^-1, 3e+03 or
    0.30000000000000004)."""
    if v == 0:
        return "0"
    if 0.99e-4 <= abs(v) < 1e6:
        return f"{v:.6g}"
    return f"{v:.0e}"


def log_subs(lo, hi):
    """Which multiples of each power of ten get a labelled tick over [lo, hi]: 1, 2, 5 within a
    decade, 1 and 3 up to four decades (0.03, 0.1, 0.3, 1), powers of ten beyond."""
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 0
    if decades <= 1.2:
        return (1.0, 2.0, 5.0)
    if decades <= 4:
        return (1.0, 3.0)
    return (1.0,)


def readable_log_axis(axis, lo, hi):
    """Put a matplotlib axis (ax.xaxis or ax.yaxis) on labelled log ticks from log_subs; the
    minor ticks stay unlabelled."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=log_subs(lo, hi)))
    axis.set_major_formatter(FuncFormatter(tick_text))
    axis.set_minor_locator(LogLocator(base=10, subs=tuple(range(1, 10))))
    axis.set_minor_formatter(NullFormatter())


PAPER_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}

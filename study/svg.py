"""Small inline-SVG charts for the study report (no plotting dependency, no Qt).

Two chart kinds cover the report: `dot_plot` (a value per participant and
condition, with each condition's mean and SD, and lines joining a participant's
conditions, as suits a within-subject design) and `line_plot` (series over time).
Output is a self-contained <svg> string; text is escaped.
"""
from __future__ import annotations

import math
from html import escape
from typing import Sequence

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
FONT = "font-family='Helvetica, Arial, sans-serif'"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < hi - 1e-9 * step:  # the last tick is at or above hi
        ticks.append(round(start + len(ticks) * step, 10))
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.3g}"


class _Frame:
    """Plot area geometry and the value -> px mapping."""

    def __init__(self, width: int, height: int, ylo: float, yhi: float, xlo: float = 0.0, xhi: float = 1.0,
                 left: int = 64, right: int = 16, top: int = 34, bottom: int = 54) -> None:
        self.w, self.h = width, height
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = top, height - bottom
        self.yt = nice_ticks(ylo, yhi)
        self.ylo, self.yhi = self.yt[0], self.yt[-1]
        self.xlo, self.xhi = xlo, xhi if xhi > xlo else xlo + 1.0

    def y(self, v: float) -> float:
        """px of value v, clamped to the plot area (an SD bar below 0 stops at the axis)."""
        y = self.y1 - (v - self.ylo) / (self.yhi - self.ylo) * (self.y1 - self.y0)
        return min(max(y, self.y0), self.y1)

    def x(self, v: float) -> float:
        return self.x0 + (v - self.xlo) / (self.xhi - self.xlo) * (self.x1 - self.x0)

    def axes(self, title: str, ylabel: str, xlabel: str = "") -> list[str]:
        out = [f"<text x='{self.w / 2:.0f}' y='20' text-anchor='middle' font-size='15' font-weight='bold' {FONT}>"
               f"{escape(title)}</text>"]
        for t in self.yt:
            y = self.y(t)
            out.append(f"<line x1='{self.x0}' x2='{self.x1}' y1='{y:.1f}' y2='{y:.1f}' stroke='#e3e3e3'/>")
            out.append(f"<text x='{self.x0 - 6}' y='{y + 4:.1f}' text-anchor='end' font-size='11' {FONT}>{_fmt(t)}</text>")
        out.append(f"<line x1='{self.x0}' x2='{self.x0}' y1='{self.y0}' y2='{self.y1}' stroke='#444'/>")
        out.append(f"<line x1='{self.x0}' x2='{self.x1}' y1='{self.y1}' y2='{self.y1}' stroke='#444'/>")
        cy = (self.y0 + self.y1) / 2
        out.append(f"<text x='16' y='{cy:.0f}' transform='rotate(-90 16 {cy:.0f})' text-anchor='middle' "
                   f"font-size='12' {FONT}>{escape(ylabel)}</text>")
        if xlabel:
            out.append(f"<text x='{(self.x0 + self.x1) / 2:.0f}' y='{self.h - 10}' text-anchor='middle' "
                       f"font-size='12' {FONT}>{escape(xlabel)}</text>")
        return out


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(label, quote=True)}'>"
            f"<rect width='100%' height='100%' fill='white'/>" + "".join(body) + "</svg>")


def dot_plot(title: str, categories: Sequence[str], values: dict[str, list[float | None]], ylabel: str,
             *, width: int = 460, height: int = 320, ymin: float | None = 0.0) -> str:
    """Per participant (`values[name][i]` for categories[i]; None = missing) dots joined
    across conditions, and each condition's mean with +-1 SD bars."""
    allv = [v for vs in values.values() for v in vs if v is not None and math.isfinite(v)]
    lo = min(allv) if allv else 0.0
    hi = max(allv) if allv else 1.0
    if ymin is not None:
        lo = min(lo, ymin)
    pad = 0.08 * (hi - lo or 1.0)
    f = _Frame(width, height, lo if ymin is not None else lo - pad, hi + pad, -0.5, len(categories) - 0.5)
    body = f.axes(title, ylabel)
    n = len(categories)
    for i, c in enumerate(categories):
        body.append(f"<text x='{f.x(i):.1f}' y='{f.y1 + 18}' text-anchor='middle' font-size='12' {FONT}>"
                    f"{escape(c)}</text>")
    names = list(values)
    for k, name in enumerate(names):
        vs = values[name]
        jitter = ((k + 0.5) / max(len(names), 1) - 0.5) * 0.3  # spread participants sideways
        pts = [(f.x(i + jitter - 0.12), f.y(v)) for i, v in enumerate(vs) if v is not None and math.isfinite(v)]
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(f"<polyline points='{d}' fill='none' stroke='#9aa7b5' stroke-width='1'/>")
        for x, y in pts:
            body.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='#9aa7b5'><title>{escape(name)}</title></circle>")
    for i in range(n):
        col = [values[nm][i] for nm in names if values[nm][i] is not None and math.isfinite(values[nm][i])]
        if not col:
            continue
        m = sum(col) / len(col)
        sd = math.sqrt(sum((v - m) ** 2 for v in col) / (len(col) - 1)) if len(col) > 1 else 0.0
        x = f.x(i + 0.18)
        color = PALETTE[i % len(PALETTE)]
        if sd > 0:
            body.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{f.y(m - sd):.1f}' y2='{f.y(m + sd):.1f}' "
                        f"stroke='{color}' stroke-width='2'/>")
            for yy in (f.y(m - sd), f.y(m + sd)):
                body.append(f"<line x1='{x - 5:.1f}' x2='{x + 5:.1f}' y1='{yy:.1f}' y2='{yy:.1f}' stroke='{color}' stroke-width='2'/>")
        body.append(f"<rect x='{x - 6:.1f}' y='{f.y(m) - 6:.1f}' width='12' height='12' fill='{color}'>"
                    f"<title>{escape(categories[i])}: mean {m:.3g}, SD {sd:.3g}, n {len(col)}</title></rect>")
        body.append(f"<text x='{x + 9:.1f}' y='{f.y(m) + 4:.1f}' font-size='11' fill='{color}' {FONT}>{m:.3g}</text>")
    legend = (f"<text x='{f.x1}' y='{f.h - 8}' text-anchor='end' font-size='10' fill='#666' {FONT}>"
              "grey: one participant (lines join their conditions); square and bar: mean and SD</text>")
    body.append(legend)
    return _svg(width, height, body, title)


def line_plot(title: str, series: list[dict], xlabel: str, ylabel: str, *, width: int = 460,
              height: int = 300, ymin: float | None = None, ymax: float | None = None,
              xmin: float | None = None) -> str:
    """Lines over x. Each series: {"label", "points": [(x, y)], "color", "dash": bool,
    "step": bool, "width": px}. Labelled series get a legend row under the title."""
    xs = [x for s in series for x, _ in s["points"]]
    ys = [y for s in series for _, y in s["points"] if y is not None and math.isfinite(y)]
    if not xs or not ys:
        xs, ys = [0.0, 1.0], [0.0, 1.0]
    ylo = min(ys) if ymin is None else min(ymin, min(ys))
    yhi = max(ys) if ymax is None else max(ymax, max(ys))
    pad = 0.06 * (yhi - ylo or 1.0)
    labelled = [s for s in series if s.get("label") and s["points"]]
    per_row = max(1, (width - 80) // 96)
    legend_rows = (len(labelled) + per_row - 1) // per_row
    x_lo = min(xs) if xmin is None else min(xmin, min(xs))
    f = _Frame(width, height, ylo - (pad if ymin is None else 0), yhi + pad, x_lo, max(xs),
               top=34 + 16 * legend_rows)
    body = f.axes(title, ylabel, xlabel)
    for t in nice_ticks(f.xlo, f.xhi, 6):
        if f.xlo - 1e-9 <= t <= f.xhi + 1e-9:
            x = f.x(t)
            body.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{f.y1}' y2='{f.y1 + 4}' stroke='#444'/>")
            body.append(f"<text x='{x:.1f}' y='{f.y1 + 17}' text-anchor='middle' font-size='11' {FONT}>{_fmt(t)}</text>")
    for k, s in enumerate(labelled):
        lx = f.x0 + (k % per_row) * 96
        ly = 36 + (k // per_row) * 16
        dash = " stroke-dasharray='6 4'" if s.get("dash") else ""
        color = s.get("color", PALETTE[0])
        body.append(f"<line x1='{lx}' x2='{lx + 22}' y1='{ly:.0f}' y2='{ly:.0f}' stroke='{color}' "
                    f"stroke-width='{s.get('width', 2)}'{dash}/>")
        body.append(f"<text x='{lx + 26}' y='{ly + 4:.0f}' font-size='11' {FONT}>{escape(s['label'])}</text>")
    for s in series:
        pts = [(x, y) for x, y in s["points"] if y is not None and math.isfinite(y)]
        if not pts:
            continue
        color = s.get("color", PALETTE[0])
        if s.get("step"):
            path = []
            for i, (x, y) in enumerate(pts):
                if i:
                    path.append((x, pts[i - 1][1]))
                path.append((x, y))
            pts = path
        if len(pts) == 1:  # one value (a session with a single estimate): a dot, not an empty line
            body.append(f"<circle cx='{f.x(pts[0][0]):.1f}' cy='{f.y(pts[0][1]):.1f}' r='3.5' fill='{color}'/>")
            continue
        d = " ".join(f"{f.x(x):.1f},{f.y(y):.1f}" for x, y in pts)
        dash = " stroke-dasharray='6 4'" if s.get("dash") else ""
        body.append(f"<polyline points='{d}' fill='none' stroke='{color}' stroke-width='{s.get('width', 1.8)}'"
                    f"{dash}/>")
    return _svg(width, height, body, title)

"""Validation blocks of a study (`study run --validate`), read back for export and
report: the measured offset at the targets against the autocalibration's estimate at
the same moment. Kept apart from analysis.py and report.py's statistics.

Like with like: a block measures the gaze the keyboard gets before correction,
reported minus target, which is the tracker's own error plus the offset the study
induces; the autocalibration estimates that same sum. So the estimator's accuracy is
|estimate - measured| (a person's real error included), where the calibration traces
can only give |estimate - induced| (the tracker assumed perfect). The tracker's own
error is measured minus induced.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from html import escape

from gazetype.study.db import StudyStore, ValidationRow
from gazetype.study.svg import FONT, PALETTE, _fmt, _Frame, _svg, dot_plot
from gazetype.tracker.screen import Screen

VALIDATION_COLUMNS = [
    "participant", "session", "condition", "condition_position", "block", "t_start", "t_end", "targets",
    "accuracy_deg", "offset_dx_px", "offset_dy_px", "rms_s2s_deg", "sd_deg", "data_loss_pct",
    "induced_dx_px", "induced_dy_px", "tracker_dx_px", "tracker_dy_px", "estimate_dx_px", "estimate_dy_px",
    "estimate_error_px", "estimate_error_deg",
]


@dataclass(frozen=True)
class ValidationBlock:
    row: ValidationRow
    px_per_deg: float

    @property
    def measured(self) -> tuple[float, float] | None:
        r = self.row
        return None if r.offset_dx_px is None else (r.offset_dx_px, r.offset_dy_px)

    @property
    def tracker_error(self) -> tuple[float, float] | None:
        """Measured minus induced: the tracker's own error (and the person's)."""
        m = self.measured
        return None if m is None else (m[0] - self.row.induced_dx_px, m[1] - self.row.induced_dy_px)

    @property
    def estimate(self) -> tuple[float, float] | None:
        r = self.row
        return None if r.estimate_dx_px is None else (r.estimate_dx_px, r.estimate_dy_px)

    @property
    def estimate_error_px(self) -> float | None:
        """|estimate - measured|: the autocalibration's accuracy on this person at this moment."""
        m, e = self.measured, self.estimate
        return None if m is None or e is None else math.hypot(e[0] - m[0], e[1] - m[1])

    @property
    def estimate_error_deg(self) -> float | None:
        e = self.estimate_error_px
        return None if e is None else e / self.px_per_deg


def validation_blocks(store: StudyStore) -> list[ValidationBlock]:
    """Every stored block, with the px/deg of its session's screen."""
    import json
    ppd: dict[int, float] = {}
    for s in store.sessions():
        try:
            ppd[s.id] = Screen.from_dict(json.loads(s.screen_json)).px_per_deg
        except (ValueError, KeyError, TypeError):
            ppd[s.id] = Screen().px_per_deg
    return [ValidationBlock(r, ppd.get(r.session_id, Screen().px_per_deg)) for r in store.validations()]


def _n(v, nd):
    return "" if v is None else round(v, nd)


def csv_rows(blocks: list[ValidationBlock]) -> list[list]:
    out = []
    for b in blocks:
        r, tr, est = b.row, b.tracker_error, b.estimate
        out.append([r.participant, r.session_id, r.condition, r.condition_pos + 1, r.block, _n(r.t_start_s, 3),
                    _n(r.t_end_s, 3), r.n_targets, _n(r.accuracy_deg, 4), _n(r.offset_dx_px, 2),
                    _n(r.offset_dy_px, 2), _n(r.rms_s2s_deg, 4), _n(r.sd_deg, 4), _n(r.data_loss_pct, 2),
                    _n(r.induced_dx_px, 2), _n(r.induced_dy_px, 2), *(("", "") if tr is None else (_n(tr[0], 2),
                    _n(tr[1], 2))), *(("", "") if est is None else (_n(est[0], 2), _n(est[1], 2))),
                    _n(b.estimate_error_px, 2), _n(b.estimate_error_deg, 4)])
    return out


def _f(v, nd=2) -> str:
    return "&ndash;" if v is None else f"{v:.{nd}f}"


def estimate_plot(blocks: list[ValidationBlock], *, width: int = 460, height: int = 400) -> str:
    """Measured offset (y) against the autocalibration's estimate at the same moment (x),
    x and y components as two colours, with the identity line: on it, the estimator is
    exact for this person."""
    pts = [(b, axis) for b in blocks if b.measured is not None and b.estimate is not None for axis in (0, 1)]
    vals = [v for b, a in pts for v in (b.measured[a], b.estimate[a])] or [0.0, 1.0]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    pad = 0.08 * (hi - lo or 1.0)
    f = _Frame(width, height, lo - pad, hi + pad, 0, 1, bottom=60)
    f.xlo, f.xhi = f.ylo, f.yhi  # the same scale on both axes
    body = f.axes("Validation: measured offset against the estimate", "measured at the targets (px)",
                  "autocalibration estimate at the validation (px)")
    for t in f.yt:
        x = f.x(t)
        body.append(f"<text x='{x:.1f}' y='{f.y1 + 17}' text-anchor='middle' font-size='11' {FONT}>{_fmt(t)}</text>")
    body.append(f"<line x1='{f.x(f.ylo):.1f}' y1='{f.y(f.ylo):.1f}' x2='{f.x(f.yhi):.1f}' y2='{f.y(f.yhi):.1f}' "
                "stroke='#888' stroke-dasharray='5 4'/>")
    for b, a in pts:
        r = b.row
        color = PALETTE[a]
        tip = (f"{r.participant}, {r.condition}, {r.block}: {'xy'[a]} measured {b.measured[a]:.1f} px, "
               f"estimate {b.estimate[a]:.1f} px, induced {(r.induced_dx_px, r.induced_dy_px)[a]:.1f} px")
        body.append(f"<circle cx='{f.x(b.estimate[a]):.1f}' cy='{f.y(b.measured[a]):.1f}' r='4' fill='{color}' "
                    f"fill-opacity='0.75'><title>{escape(tip)}</title></circle>")
    for k, lab in enumerate(("x component", "y component")):
        lx = f.x0 + 10 + k * 110
        body.append(f"<circle cx='{lx}' cy='{f.y0 + 10}' r='4' fill='{PALETTE[k]}'/>")
        body.append(f"<text x='{lx + 8}' y='{f.y0 + 14}' font-size='11' {FONT}>{lab}</text>")
    body.append(f"<text x='{f.x0 + 230}' y='{f.y0 + 14}' font-size='11' fill='#666' {FONT}>"
                "dashed: estimate = measured</text>")
    return _svg(width, height, body, "Validation: measured offset against the autocalibration estimate")


def accuracy_plot(blocks: list[ValidationBlock]) -> str:
    """Accuracy (deg) of each participant's blocks, by condition and block (start, end)."""
    conds: list[str] = []
    for b in blocks:  # conditions in the order they first appear (the first participant's)
        if b.row.condition not in conds:
            conds.append(b.row.condition)
    cats = [f"{c} {blk}" for c in conds for blk in ("start", "end")
            if any(b.row.condition == c and b.row.block == blk for b in blocks)]
    values: dict[str, list[float | None]] = {}
    for b in blocks:
        v = values.setdefault(b.row.participant, [None] * len(cats))
        v[cats.index(f"{b.row.condition} {b.row.block}")] = b.row.accuracy_deg
    return dot_plot("Validation accuracy by block", cats, values, "accuracy (deg)", width=max(460, 135 * len(cats)))


def validation_section(blocks: list[ValidationBlock]) -> str:
    """The report's validation section (HTML), or a note when there is none."""
    out = ["<h2>Validation: the tracker's offset at targets, and the estimator's accuracy</h2>"]
    if not blocks:
        out.append("<p>No validation blocks (run the study with <code>--validate</code> to measure them).</p>")
        return "".join(out)
    out.append(
        "<p class='note'>Each block shows targets to look at, at the start and at the end of a condition, and "
        "measures the gaze the keyboard gets before correction, reported minus target: the tracker's own error "
        "plus the induced offset. The autocalibration estimates that same sum, so the two are compared like "
        "with like: |estimate &minus; measured| is the estimator's accuracy on this person. "
        "Tracker = measured &minus; induced (the tracker's and the person's own error). Accuracy: mean over "
        "targets of the angle of the mean offset; precision: RMS sample-to-sample and SD, deg.</p>")
    errs = [b.estimate_error_deg for b in blocks if b.estimate_error_deg is not None]
    plots = [accuracy_plot(blocks)]
    if errs:
        plots.insert(0, estimate_plot(blocks))
    out.append("<div class='plots'>" + "".join(plots) + "</div>")
    if errs:
        out.append(f"<p>Estimator error against the validation, {len(errs)} block(s): median "
                   f"{statistics.median(errs):.2f} deg, max {max(errs):.2f} deg.</p>")
    else:
        out.append("<p class='note'>No block has an autocalibration estimate at its time (estimates come from "
                   "reading during autocalibrated conditions: the end blocks of those have one).</p>")
    rows = []
    for b in blocks:
        r, tr, est = b.row, b.tracker_error, b.estimate
        rows.append(
            f"<tr><td class='l'>{escape(r.participant)}</td><td class='l'>{escape(r.condition)}</td>"
            f"<td class='l'>{escape(r.block)}</td><td>{r.n_targets}</td><td>{_f(r.accuracy_deg)}</td>"
            f"<td>{_f(r.offset_dx_px, 1)}, {_f(r.offset_dy_px, 1)}</td>"
            f"<td>{_f(r.induced_dx_px, 1)}, {_f(r.induced_dy_px, 1)}</td>"
            f"<td>{'&ndash;' if tr is None else f'{tr[0]:.1f}, {tr[1]:.1f}'}</td>"
            f"<td>{'&ndash;' if est is None else f'{est[0]:.1f}, {est[1]:.1f}'}</td>"
            f"<td>{_f(b.estimate_error_deg)}</td><td>{_f(r.rms_s2s_deg, 3)}</td><td>{_f(r.sd_deg, 3)}</td>"
            f"<td>{r.data_loss_pct:.1f}</td></tr>")
    out.append("<table><tr><th class='l'>participant</th><th class='l'>condition</th><th class='l'>block</th>"
               "<th>targets</th><th>accuracy (deg)</th><th>measured (px)</th><th>induced (px)</th>"
               "<th>tracker (px)</th><th>estimate (px)</th><th>|estimate &minus; measured| (deg)</th>"
               "<th>RMS-S2S (deg)</th><th>SD (deg)</th><th>data loss (%)</th></tr>" + "".join(rows) + "</table>")
    return "".join(out)

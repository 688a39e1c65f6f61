"""`study report`: one self-contained HTML file (inline CSS and SVG, no scripts, no
network): per condition and per participant-by-condition tables (mean and SD), plots
of WPM and error rate by condition and of the autocalibration's offset estimate
against the induced offset over time, and paired tests between conditions."""
from __future__ import annotations

import math
import os
import statistics
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from gazetype.study import stats as st
from gazetype.study.analysis import (
    MEASURES,
    Cell,
    PairedTest,
    Progress,
    cells,
    condition_names,
    friedman,
    offset_traces,
    paired_tests,
    trial_results,
)
from gazetype.study.db import TLX_SCALES, StudyStore, is_own_file
from gazetype.study.errors import StudyError
from gazetype.study.metrics import mean_sd
from gazetype.study.svg import PALETTE, dot_plot, line_plot
from gazetype.study.validation_report import validation_blocks, validation_section
from gazetype.tracker.private import open_private

TESTED = ("wpm", "total_error_rate", "uncorrected_error_rate")
MAX_TRACE_PANELS = 12

CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1020px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin-bottom:4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}
td.l,th.l{text-align:left}.note{color:#666;font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plots svg{border:1px solid #eee}
code{background:#f4f4f4;padding:0 3px}
"""


def _f(v, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "&ndash;"
    return f"{v:.{nd}f}"


def _msd(stat: tuple, nd: int = 2) -> str:
    m, sd, n = stat
    if m is None:
        return "&ndash;"
    return f"{_f(m, nd)} ({_f(sd, nd)})" if sd is not None else _f(m, nd)


def _p(p: float | None) -> str:
    if p is None:
        return "&ndash;"
    return "&lt; 0.001" if p < 0.001 else f"{p:.3f}"


def build_report(study_dir: str | os.PathLike, *, show_progress: bool = True, now_utc: str | None = None) -> str:
    """The report's HTML text."""
    with StudyStore.open(study_dir, read_only=True) as store, store.reading():
        prog = Progress("report: trials", 0) if show_progress else None
        results = trial_results(store, prog)
        cellmap = cells(store, results)
        traces = offset_traces(store)
        blocks = validation_blocks(store)
        participants = store.participants()
        sessions = store.sessions()
        meta = store.meta()
    conds = condition_names(results)
    pnames = [p.code for p in participants]
    done = [r for r in results if r.metrics is not None]
    measured = [r for r in done if not r.practice]
    now_utc = now_utc or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    h: list[str] = []
    a = h.append
    a(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>gazetype study report: "
      f"{escape(Path(study_dir).name)}</title><style>{CSS}</style></head><body>")
    a(f"<h1>gazetype study report: {escape(str(study_dir))}</h1>")
    a(f"<p class='note'>Generated {escape(now_utc)}; study created {escape(meta.get('created_utc', '?'))}. "
      f"{len(participants)} participant(s), {len(sessions)} session(s), {len(measured)} measured trial(s) "
      f"done ({len(done) - len(measured)} practice), {len(results) - len(done)} trial(s) not done.</p>")
    if not results:
        a("<p>No participants yet.</p></body></html>")
        return "".join(h)

    # -- by condition --------------------------------------------------------------
    a("<h2>By condition</h2><p class='note'>Mean (SD) across participants of each participant's mean over "
      "their measured (non-practice) trials. ER = error rate, %. Raw TLX = mean of the six NASA-TLX scales (0-100).</p>")
    a("<table><tr><th class='l'>condition</th><th>participants</th>" +
      "".join(f"<th>{escape(lbl)}</th>" for _, lbl, _ in MEASURES) + "<th>raw TLX</th></tr>")
    for c in conds:
        cs = [cellmap[(p, c)] for p in pnames if (p, c) in cellmap and cellmap[(p, c)].n_trials]
        row = f"<tr><td class='l'>{escape(c)}</td><td>{len(cs)}</td>"
        for name, _, _ in MEASURES:
            row += f"<td>{_msd(mean_sd(cl.mean(name) for cl in cs), 3 if name.startswith('kspc') else 2)}</td>"
        row += f"<td>{_msd(mean_sd(cl.tlx_raw for cl in cs), 1)}</td></tr>"
        a(row)
    a("</table>")

    # -- plots ---------------------------------------------------------------------
    a("<h2>Plots</h2><div class='plots'>")
    a(dot_plot("Entry speed by condition", conds, _series(cellmap, pnames, conds, "wpm"), "WPM"))
    a(dot_plot("Total error rate by condition", conds, _series(cellmap, pnames, conds, "total_error_rate"),
               "total error rate (%)"))
    a(dot_plot("Uncorrected error rate by condition", conds,
               _series(cellmap, pnames, conds, "uncorrected_error_rate"), "uncorrected error rate (%)"))
    a("</div>")
    a(_offset_section(traces))
    a(validation_section(blocks))

    # -- tests ---------------------------------------------------------------------
    a("<h2>Paired tests between conditions</h2>")
    if len(pnames) < 2:
        a("<p>Needs at least two participants.</p>")
    else:
        tests = paired_tests(cellmap, conds, list(TESTED))
        a(_tests_table(tests))
        for m in TESTED:
            a(_friedman_line(cellmap, conds, m))
        a(_methods_note(len(conds)))

    # -- per participant ----------------------------------------------------------------
    a("<h2>By participant and condition</h2><p class='note'>Mean (SD) over the participant's measured trials.</p>")
    a("<table><tr><th class='l'>participant</th><th class='l'>condition</th><th>trials</th>" +
      "".join(f"<th>{escape(lbl)}</th>" for _, lbl, _ in MEASURES) + "<th>raw TLX</th></tr>")
    for p in pnames:
        for c in conds:
            cl = cellmap.get((p, c))
            if cl is None:
                continue
            a(f"<tr><td class='l'>{escape(p)}</td><td class='l'>{escape(c)}</td><td>{cl.n_trials}</td>" +
              "".join(f"<td>{_msd(cl.stats[name], 3 if name.startswith('kspc') else 2)}</td>" for name, _, _ in MEASURES) +
              f"<td>{_f(cl.tlx_raw, 1)}</td></tr>")
    a("</table>")
    tlx_cells = [cl for cl in cellmap.values() if cl.tlx]
    if tlx_cells:
        a("<h3>NASA-TLX (raw)</h3><table><tr><th class='l'>participant</th><th class='l'>condition</th>" +
          "".join(f"<th>{s}</th>" for s in TLX_SCALES) + "<th>raw TLX</th></tr>")
        for cl in tlx_cells:
            a(f"<tr><td class='l'>{escape(cl.participant)}</td><td class='l'>{escape(cl.condition)}</td>" +
              "".join(f"<td>{_f(cl.tlx.get(s), 0)}</td>" for s in TLX_SCALES) + f"<td>{_f(cl.tlx_raw, 1)}</td></tr>")
        a("</table>")

    # -- definitions ----------------------------------------------------------------
    a("<h2>Definitions</h2><p class='note'>WPM = (|T| &minus; 1) / S &times; 60 / 5, S from the first to the "
      "last entry of the trial (the done key is not an entry). MSD ER = MSD(P, T) / max(|P|, |T|) &times; 100. "
      "KSPC = keystrokes / |T|, every selection but done one keystroke (a clear one, a page switch one, a "
      "backspace on an empty text one); KSPC (2003) = (C + INF + IF + F) / (C + INF), F the backspaces and clears "
      "that erased something. Total ER = (INF + IF) / (C + INF + IF), corrected ER = IF / (C + INF + IF), "
      "uncorrected ER = INF / (C + INF + IF) (Soukoreff and MacKenzie 2003). s / selection = S / (entries "
      "&minus; 1). A trial restarted after a pause or a crash counts its last attempt only.</p>")
    a("</body></html>")
    return "".join(h)


def _label(measure: str) -> str:
    return next(lbl for name, lbl, _ in MEASURES if name == measure)


def _series(cellmap: dict[tuple[str, str], Cell], pnames: list[str], conds: list[str], measure: str) -> dict:
    return {p: [cellmap[(p, c)].mean(measure) if (p, c) in cellmap else None for c in conds] for p in pnames}


def _ci(ci, nd: int = 2) -> str:
    return "&ndash;" if ci is None else f"[{_f(ci[0], nd)}, {_f(ci[1], nd)}]"


def _tests_table(tests: list[PairedTest]) -> str:
    rows = ["<table><tr><th class='l'>measure</th><th class='l'>conditions</th><th>n</th><th>non-zero</th>"
            "<th>mean difference [95% CI]</th><th>ratio [95% CI]</th><th>W (signed-rank)</th><th>r [95% CI]</th>"
            "<th>p</th>"
            "<th>p (Holm, pairs)</th><th>p (Holm, all)</th><th class='l'>note</th></tr>"]
    for t in tests:
        ratio = "" if t.ratio is None and t.ratio_ci is None else f"{_f(t.ratio, 3)} {_ci(t.ratio_ci, 3)}"
        note = t.note + ("; normal approximation" if t.method == "normal approximation" else "")
        rows.append(f"<tr><td class='l'>{escape(_label(t.measure))}</td><td class='l'>{escape(t.a)} vs "
                    f"{escape(t.b)}</td><td>{t.n}</td><td>{t.m}</td><td>{_f(t.mean_diff)} {_ci(t.diff_ci)}</td>"
                    f"<td>{ratio}</td><td>{_f(t.statistic, 1)}</td><td>{_f(t.r)} {_ci(t.r_ci)}</td>"
                    f"<td>{_p(t.p)}</td><td>{_p(t.p_holm)}</td><td>{_p(t.p_holm_all)}</td>"
                    f"<td class='l'>{escape(note)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _friedman_line(cellmap: dict[tuple[str, str], Cell], conds: list[str], measure: str) -> str:
    """One sentence: the Friedman test of `measure` over the conditions, or why there is none."""
    if len(conds) < 3:
        return ""
    fr = friedman(cellmap, conds, measure)
    if fr is None:
        return (f"<p class='note'>Friedman test, {escape(_label(measure))}: not computed (fewer than two "
                "participants with every condition, or no differences).</p>")
    res, wci = fr
    return (f"<p class='note'>Friedman test, {escape(_label(measure))} over {res.k} conditions: "
            f"&chi;&sup2; = {res.chi2:.2f}, p = {_p(res.p)} ({escape(res.method)}; the chi-square "
            f"approximation would give {_p(res.p_chi2)}), n = {res.n}; Kendall's W = {res.w:.2f} "
            f"{_ci(wci)}.</p>")


def _methods_note(k: int) -> str:
    """What was tested and how, in words."""
    fam = k * (k - 1) // 2
    return (
        "<p class='note'><b>How these were tested.</b> Each participant contributes one value per condition: "
        "the mean over their measured trials. Pairs: Wilcoxon signed-rank test, two-sided, on the differences "
        "(first condition minus second); zero differences are dropped (Wilcoxon's method) and tied |differences| "
        "get mid-ranks; p is exact, from the null distribution of every sign assignment of the actual ranks "
        f"(computed by gazetype, not scipy; above {st.EXACT_WILCOXON_MAX} non-zero differences a normal "
        "approximation, then named in the note). W (signed-rank) = the smaller of the two rank sums. With m non-zero "
        "differences no two-sided p can be below 2 / 2<sup>m</sup> (0.0625 for m = 5); the note says when that, "
        f"or that times the Holm family, keeps p at or above 0.05. <i>p (Holm, pairs)</i>: Holm's correction over "
        f"the {fam} condition pair(s) of the measure, a pair that could not be tested counted in the family. "
        "<i>p (Holm, all)</i>: Holm over every pair of every measure in this table. The pairwise tests are "
        "shown whatever the Friedman test says: read them as follow-ups only where Friedman's p is small. "
        "Friedman: ranks within each participant (mid-ranks for ties), tie-corrected &chi;&sup2;; p exact under "
        "the permutation null (every participant's ranks permuted, all arrangements counted) or, when that "
        f"is too costly, a Monte Carlo estimate over {st.MC_PERMUTATIONS:,} seeded arrangements (said beside it). "
        "Effect sizes: matched-pairs rank-biserial r = (T+ &minus; T&minus;) / (T+ + T&minus;), positive when the "
        "first condition is higher; Kendall's W = &chi;&sup2; / (n (k &minus; 1)). Ratio: mean WPM of the first "
        f"condition over the second's. Intervals: {int(st.CI_LEVEL * 100)}% percentile bootstrap, "
        f"{st.BOOT_RESAMPLES:,} resamples of participants, fixed seed {st.BOOT_SEED} (resamples in which r or W "
        "is undefined left out); with few participants they are rough.</p>")


def _offset_section(traces) -> str:
    out = ["<h2>Autocalibration: offset estimate against the induced offset</h2>"]
    if not traces:
        out.append("<p>No offset estimates were recorded (no autocalibrated condition has run, or "
                   "autocalibration produced no estimate).</p>")
        return "".join(out)
    out.append("<p class='note'>Offset = reported minus true gaze, px. Solid: the autocalibration's estimate; "
               "dashed: the offset the study added. Time from the start of the condition (per session).</p>")
    out.append("<div class='plots'>")
    for tr in traces[:MAX_TRACE_PANELS]:
        est_x = [(t, e[0]) for t, e in zip(tr.t_rel_s, tr.estimate)]
        est_y = [(t, e[1]) for t, e in zip(tr.t_rel_s, tr.estimate)]
        ind_x = [(t, i[0]) for t, i in zip(tr.t_rel_s, tr.induced)]
        ind_y = [(t, i[1]) for t, i in zip(tr.t_rel_s, tr.induced)]
        out.append(line_plot(f"{tr.participant}, {tr.condition} (session {tr.session_id})", [
            {"label": "estimate x", "points": est_x, "color": PALETTE[0], "step": True},
            {"label": "estimate y", "points": est_y, "color": PALETTE[1], "step": True},
            {"label": "induced x", "points": ind_x, "color": PALETTE[0], "dash": True},
            {"label": "induced y", "points": ind_y, "color": PALETTE[1], "dash": True},
        ], "time in condition (s)", "offset (px)", xmin=0.0))
    err = [{"label": f"{tr.participant} s{tr.session_id}" if i < 8 else "", "step": True, "width": 1.0,
            "points": list(zip(tr.t_rel_s, tr.error_px)), "color": PALETTE[i % len(PALETTE)]}
           for i, tr in enumerate(traces)]
    med = _binned_median(traces)
    if med:
        err.append({"label": "median", "points": med, "color": "#111", "width": 3})
    out.append(line_plot("Autocalibration error |estimate - induced|", err, "time in condition (s)",
                         "error (px)", ymin=0.0, xmin=0.0))
    out.append("</div>")
    if len(traces) > MAX_TRACE_PANELS:
        out.append(f"<p class='note'>{len(traces) - MAX_TRACE_PANELS} more trace(s) are in the error plot and "
                   "in calibration.csv (study export).</p>")
    summary = []
    for tr in traces:
        e = tr.error_px
        half = [v for t, v in zip(tr.t_rel_s, e) if t >= tr.t_rel_s[-1] / 2]
        summary.append(f"<tr><td class='l'>{escape(tr.participant)}</td><td class='l'>{escape(tr.condition)}</td>"
                       f"<td>{tr.session_id}</td><td>{len(e)}</td><td>{_f(tr.t_rel_s[0], 1)}</td>"
                       f"<td>{_f(e[0], 1)}</td><td>{_f(sum(half) / len(half) if half else None, 1)}</td>"
                       f"<td>{_f(e[-1], 1)}</td></tr>")
    out.append("<table><tr><th class='l'>participant</th><th class='l'>condition</th><th>session</th>"
               "<th>estimates</th><th>first at (s)</th><th>first error (px)</th><th>mean error, 2nd half (px)</th>"
               "<th>last error (px)</th></tr>" + "".join(summary) + "</table>")
    return "".join(out)


def _binned_median(traces, bin_s: float = 20.0) -> list[tuple[float, float]]:
    """Median error across all traces in bins of `bin_s` seconds, at the bin centres."""
    bins: dict[int, list[float]] = {}
    for tr in traces:
        for t, e in zip(tr.t_rel_s, tr.error_px):
            bins.setdefault(int(t // bin_s), []).append(e)
    return [((b + 0.5) * bin_s, statistics.median(v)) for b, v in sorted(bins.items())]


def write_report(study_dir: str | os.PathLike, out: str | os.PathLike, *, force: bool = False,
                 show_progress: bool = True) -> Path:
    """Build the report and write it to `out` (never over an existing file unless `force`)."""
    out = Path(out)
    if is_own_file(study_dir, out):
        raise StudyError(f"--out {out}: is one of the study's own files (its database or a recording); "
                         "it is never overwritten, not even with --force")
    if out.is_dir():
        raise StudyError(f"--out {out}: is a folder; give a file name such as report.html")
    if out.exists() and not force:
        raise StudyError(f"--out {out}: already exists; choose another name or pass --force")
    html = build_report(study_dir, show_progress=show_progress)
    if not out.parent.exists():
        raise StudyError(f"--out {out}: folder {out.parent} does not exist")
    tmp = out.with_name(out.name + ".part")
    with open_private(tmp, "w", encoding="utf-8") as fh:  # 0600 (issue 28)
        fh.write(html)
    os.replace(tmp, out)
    return out

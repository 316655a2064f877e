#!/usr/bin/python3
"""Turns a cold-start benchmark's results.json (Benchmarks/coldstart/bench.py) into
table.md (also printed to stdout) and chart.svg, next to it.

  report.py RESULTS_DIR          reads RESULTS_DIR/results.json

Importable: render(results: dict, out_dir: Path) writes both files and returns the markdown.

Statistics are over successful runs only ("ok": true): median (min–max). Failed runs are
counted in their row and their errors listed under the table; modes without runs appear as
rows with "—" and the reason from "missing" (or "no runs recorded"). Nothing is dropped.
Standard library only.
"""
from __future__ import annotations

import datetime
import json
import math
import shlex
import statistics
import sys
from pathlib import Path
from xml.sax.saxutils import escape

MB = 1e6
ERROR_CHARS = 400  # failed runs' errors in table.md are cut to this (results.json has them whole)
BASELINE = "overlayfs"
STARLING = "starling"


# ---------------------------------------------------------------------------------------- model

def _ordered(first, *more):
    """`first` (config order), then any other names seen in `more`, in order of appearance."""
    out = []
    for name in list(first or []) + [n for seq in more for n in seq]:
        if name is not None and name not in out:
            out.append(name)
    return out


def trio(values):
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


class Cell:
    """One profile × image × mode: its runs, statistics and why it may have none."""

    def __init__(self, profile, image, mode):
        self.profile, self.image, self.mode = profile, image, mode
        self.runs, self.missing = [], []

    def finish(self):
        self.ok = [r for r in self.runs if r.get("ok") is True]
        self.failed = [r for r in self.runs if r.get("ok") is not True]
        self.stats = {key: trio(r.get(key) for r in self.ok) for key in ("pull_s", "start_s", "total_s", "rx_bytes")}
        self.lazy = sorted({r.get("lazy_layers") for r in self.ok if r.get("lazy_layers") is not None}, key=str)

    def median(self, key):
        s = self.stats.get(key)
        return s["median"] if s else None

    @property
    def has_data(self):
        return self.median("total_s") is not None or self.median("pull_s") is not None


class Model:
    def __init__(self, results: dict):
        config = results.get("config") or {}
        runs = [r for r in results.get("runs") or [] if isinstance(r, dict)]
        missing = [m for m in results.get("missing") or [] if isinstance(m, dict)]
        both = runs + missing
        self.results = results
        self.runs_per_cell = config.get("runs")
        self.profiles = _ordered(config.get("profiles"), results.get("profiles") or {}, [r.get("profile") for r in both])
        self.images = _ordered(config.get("images"), [r.get("image") for r in both])
        self.modes = _ordered(config.get("modes"), [r.get("mode") for r in both])
        self.configured = (set(self.profiles), set(config.get("images") or []), set(config.get("modes") or []))
        self.image_info = results.get("images") or {}
        self.profile_info = results.get("profiles") or {}
        self.cells = {(p, i, m): Cell(p, i, m) for p in self.profiles for i in self.images for m in self.modes}
        for r in runs:
            key = (r.get("profile"), r.get("image"), r.get("mode"))
            self.cells.setdefault(key, Cell(*key)).runs.append(r)
        for m in missing:
            reason = m.get("reason") or "no reason given"
            key = (m.get("profile"), m.get("image"), m.get("mode"))
            cell = self.cells.setdefault(key, Cell(*key))
            if reason not in cell.missing:
                cell.missing.append(reason)
        for cell in self.cells.values():
            cell.finish()

    def cell(self, profile, image, mode) -> Cell:
        return self.cells[(profile, image, mode)]

    def groups(self, profile):
        """[(image, [modes])] to show for a profile: every configured image × mode (a configured
        cell without runs is shown as such), plus any other cell that has runs or a missing entry."""
        out = []
        for image in self.images:
            modes = [m for m in self.modes
                     if (image in self.configured[1] and m in self.configured[2]) or self.cell(profile, image, m).runs
                     or self.cell(profile, image, m).missing]
            if modes:
                out.append((image, modes))
        return out

    def compressed(self, image):
        value = (self.image_info.get(image) or {}).get("compressed_bytes")
        return value if isinstance(value, (int, float)) and value > 0 else None


# ----------------------------------------------------------------------------------- formatting

def fmt_s(x):
    if x is None:
        return "—"
    return f"{x:.1f}" if abs(x) >= 100 else f"{x:.2f}"


def fmt_trio(t):
    if not t:
        return "—"
    return f"{fmt_s(t['median'])} ({fmt_s(t['min'])}–{fmt_s(t['max'])})"


def fmt_num(x):
    """20.0 -> "20", 1.42 -> "1.42"."""
    if x is None:
        return "?"
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def fmt_pct(fraction):
    pct = fraction * 100
    return f"{pct:.1f}%" if pct < 10 else f"{pct:.0f}%"


def fmt_ratio(r):
    return f"{r:.3f}x" if r < 0.1 else f"{r:.2f}x"


def fmt_mb(n):
    return f"{n / MB:.1f} MB" if n is not None else "?"


def md_cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def md_table(header, rows, align):
    rows = [[md_cell(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows), 3) for i, h in enumerate(header)]

    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(c.rjust(w) if a == "r" else c.ljust(w))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def parse_time(value):
    try:
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def measured_link(info: dict):
    """(Mbit/s, RTT ms, new-connection ms) measured; bench.py stores netmodel.sh's `measure` line
    (mbit, measured_rtt_ms, newconn_ms, and the nominal rate_mbit/rtt_ms again), the documented
    schema throughput_mbit/rtt_ms. Either works."""
    m = info.get("measured") or {}
    mbit = m.get("throughput_mbit", m.get("mbit"))
    rtt = m.get("measured_rtt_ms", m.get("rtt_ms") if "throughput_mbit" in m else None)
    return mbit, rtt, m.get("newconn_ms")


def nominal_link(info: dict) -> str:
    rate = info.get("rate_mbit")
    rate_text = "unshaped" if rate == 0 else f"{fmt_num(rate)} Mbit/s"
    return f"{rate_text}, {fmt_num(info.get('rtt_ms'))} ms RTT"


def measured_text(info: dict) -> str:
    mbit, rtt, newconn = measured_link(info)
    if mbit is None and rtt is None:
        return "not measured"
    parts = [f"{mbit:.1f} Mbit/s" if mbit is not None else "? Mbit/s",
             f"{rtt:.1f} ms RTT" if rtt is not None else "? ms RTT"]
    if newconn is not None:
        parts.append(f"new connection {newconn:.1f} ms")
    return ", ".join(parts)


def machine_text(machine: dict) -> str:
    machine = dict(machine or {})
    parts = []
    if "cpus" in machine:
        parts.append(f"{machine.pop('cpus')} CPUs")
    if "kernel" in machine:
        parts.append(f"kernel {machine.pop('kernel')}")
    note = machine.pop("note", None)
    parts += [f"{k} {v}" for k, v in machine.items()]
    if note:
        parts.append(str(note))
    return ", ".join(parts) or "not recorded"


# -------------------------------------------------------------------------------------- table.md

def row_notes(model: Model, cell: Cell, footnote) -> str:
    notes = []
    for reason in cell.missing:
        notes.append(f"missing {footnote(reason)}")
    if cell.failed:
        notes.append(f"{len(cell.failed)} of {len(cell.runs)} failed (errors below)")
    expected = model.runs_per_cell
    if cell.runs and isinstance(expected, int) and len(cell.runs) < expected:
        notes.append(f"only {len(cell.runs)} of {expected} runs recorded")
    if not cell.runs and not cell.missing:
        notes.append("no runs recorded (not listed as missing)")
    if cell.lazy:
        layers = (model.image_info.get(cell.image) or {}).get("layers")
        values = "–".join(str(v) for v in ([cell.lazy[0], cell.lazy[-1]] if len(cell.lazy) > 1 else cell.lazy))
        notes.append(f"lazy layers {values}" + (f" of {layers}" if layers is not None else ""))
    return "; ".join(notes)


def profile_section(model: Model, profile: str) -> list[str]:
    info = model.profile_info.get(profile) or {}
    out = [f"## Profile `{profile}`: {nominal_link(info)} (measured: {measured_text(info)})", ""]
    footnotes: list[str] = []

    def footnote(reason):
        if reason not in footnotes:
            footnotes.append(reason)
        return f"[{footnotes.index(reason) + 1}]"

    header = ["Image", "Mode", "Pull (s)", "Start (s)", "Total (s)", "Registry MB (% of compressed)",
              "Total vs full pull", "Notes"]
    align = ["l", "l", "r", "r", "r", "r", "r", "l"]
    rows = []
    groups = model.groups(profile)
    for image, modes in groups:
        base = model.cell(profile, image, BASELINE).median("total_s") if BASELINE in model.modes else None
        for mode in modes:
            cell = model.cell(profile, image, mode)
            rx = cell.median("rx_bytes")
            if rx is None:
                registry = "—"
            else:
                registry = f"{rx / MB:.1f}"
                if model.compressed(image):
                    registry += f" ({fmt_pct(rx / model.compressed(image))})"
            total = cell.median("total_s")
            if mode == BASELINE:
                ratio = ""
            elif total is None:
                ratio = "—"
            elif not base:
                ratio = "no baseline"
            else:
                ratio = fmt_ratio(total / base)
            rows.append([image, mode, fmt_trio(cell.stats["pull_s"]), fmt_trio(cell.stats["start_s"]),
                         fmt_trio(cell.stats["total_s"]), registry, ratio, row_notes(model, cell, footnote)])
    out += [md_table(header, rows, align), ""]

    if footnotes:
        out.append("Missing:")
        out.append("")
        out += [f"- [{n}] {md_cell(reason)}" for n, reason in enumerate(footnotes, 1)]
        out.append("")

    failed = [r for image, modes in groups for mode in modes for r in model.cell(profile, image, mode).failed]
    if failed:
        out.append("Failed runs (excluded from the statistics):")
        out.append("")
        for r in failed:
            error = " ".join(str(r.get("error") or "failed, no error recorded").split())
            if len(error) > ERROR_CHARS:
                error = error[:ERROR_CHARS - 1] + "… (full text in results.json)"
            out.append(f"- {r.get('image')} / {r.get('mode')} run {r.get('run', '?')}: {md_cell(error)}")
        out.append("")

    starlings = [m for m in model.modes if m == STARLING or m.startswith(STARLING + "-")]
    if starlings:
        out.append(f"Starling speedup ({BASELINE} median total ÷ Starling median total; above 1x: Starling is faster):")
        out.append("")
        for image, modes in groups:
            base = model.cell(profile, image, BASELINE).median("total_s")
            parts = []
            for mode in (m for m in starlings if m in modes):
                cell = model.cell(profile, image, mode)
                total = cell.median("total_s")
                if total is None:
                    if mode == STARLING:
                        parts.append(f"{mode}: " + (f"all {len(cell.failed)} runs failed" if cell.failed else
                                                    "missing" if cell.missing else "no runs recorded"))
                    continue
                if not base:
                    parts.append(f"{mode}: no {BASELINE} baseline ({mode} {fmt_s(total)} s)")
                    continue
                parts.append(f"{mode} {base / total:.2f}x ({fmt_s(base)} s → {fmt_s(total)} s)")
            if parts:
                out.append(f"- {image}: " + "; ".join(parts))
        out.append("")
    return out


def render_table(model: Model) -> str:
    r = model.results
    started, finished = parse_time(r.get("started")), parse_time(r.get("finished"))
    when = f"{r.get('started') or '?'} to {r.get('finished') or '?'}"
    if started and finished:
        minutes = (finished - started).total_seconds() / 60
        when += f" ({minutes:.0f} min)"
    title_date = started.strftime("%Y-%m-%d") if started else "date unknown"
    out = [f"# Cold start: pull + first run, {title_date}", ""]
    out.append(f"- Date: {when}" + (" — **interrupted**: some cells may have fewer runs" if r.get("interrupted") else ""))
    out.append(f"- Commit: `{r.get('commit') or '?'}`")
    out.append(f"- Machine: {machine_text(r.get('machine'))}")
    out.append(f"- Runs per cell: {model.runs_per_cell if model.runs_per_cell is not None else '?'}; "
               "each figure is median (min–max) over the successful runs, in seconds; MB = 10^6 bytes")
    out.append("- Network profiles (registry behind a shaped veth; registry bytes = bytes received on it):")
    for p in model.profiles:
        info = model.profile_info.get(p) or {}
        out.append(f"  - `{p}`: nominal {nominal_link(info)}; measured {measured_text(info)}")
    out.append("- Note: the round-trip delay is added by a user-space proxy (Benchmarks/net/delay-proxy.py), so "
               "kernel TCP sees ~0 RTT: slow start and congestion-window growth are not modelled (short "
               "transfers over a real link of this RTT would be slower). No loss or jitter.")
    out.append("- Pull: the image pull (overlayfs: download and unpack every layer; lazy modes: `rpull`, which "
               "mounts without fetching the contents); start: running the workload until it is ready; total: both. "
               "\"Total vs full pull\": median total ÷ the overlayfs row's median total (same image, profile).")
    out.append("")

    if model.images:
        rows = []
        for image in model.images:
            info = model.image_info.get(image) or {}
            workload = info.get("workload")
            if isinstance(workload, list):
                workload = shlex.join(str(a) for a in workload)
            workload = str(workload or "?")
            if len(workload) > 70:
                workload = workload[:69] + "…"
            comp, uncomp = info.get("compressed_bytes"), info.get("uncompressed_bytes")
            rows.append([image, f"{comp / MB:.1f}" if comp else "?", f"{uncomp / MB:.1f}" if uncomp else "?",
                         str(info.get("layers", "?")), f"`{workload}`", str(info.get("readiness", "?"))])
        out += ["Images:", "",
                md_table(["Image", "Compressed MB", "Uncompressed MB", "Layers", "Workload", "Ready when"], rows,
                         ["l", "r", "r", "r", "l", "l"]), ""]

    for profile in model.profiles:
        out += profile_section(model, profile)
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------------------------- chart.svg

PULL_COLOUR, START_COLOUR = "#4e79a7", "#f28e2b"
FAIL_COLOUR, GREY, GRID = "#c0392b", "#9a9a9a", "#e4e4e4"
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
CHAR = 0.6  # average glyph width / font size (DejaVu Sans is wide; errs on the safe side)


def text_width(text, size):
    return len(text) * size * CHAR


def nice_axis(vmax):
    """(step, top): about 4 ticks of 1/2/2.5/5 × 10^k covering vmax."""
    if not vmax or vmax <= 0:
        return 1.0, 1.0
    raw = vmax / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step, math.ceil(vmax / step - 1e-9) * step


def fmt_tick(value, step):
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if step / 10 ** math.floor(math.log10(step)) == 2.5 else 0)
    return f"{value:.{decimals}f}"


class Svg:
    def __init__(self):
        self.parts = []

    def add(self, element):
        self.parts.append(element)

    def text(self, x, y, content, size=11, anchor="start", weight="normal", fill="#222", style="", title=None):
        inner = escape(str(content))
        if title:
            inner = f"<title>{escape(title)}</title>" + inner
        extra = f' font-style="{style}"' if style else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}"{extra}>{inner}</text>')

    def rect(self, x, y, w, h, fill, title=None, stroke=None):
        s = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
        inner = f"<title>{escape(title)}</title>" if title else ""
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"{s}>'
                 f"{inner}</rect>")

    def line(self, x1, y1, x2, y2, stroke, width=1):
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
                 f'stroke-width="{width}"/>')


def cell_tooltip(cell: Cell) -> str:
    lines = [f"{cell.profile} / {cell.image} / {cell.mode}"]
    for key, name in (("pull_s", "pull"), ("start_s", "start"), ("total_s", "total")):
        lines.append(f"{name}: {fmt_trio(cell.stats[key])} s")
    if cell.median("rx_bytes") is not None:
        lines.append(f"registry: {fmt_mb(cell.median('rx_bytes'))}")
    lines.append(f"{len(cell.ok)} ok, {len(cell.failed)} failed")
    lines += [f"failed run {r.get('run', '?')}: {r.get('error')}" for r in cell.failed]
    lines += [f"missing: {m}" for m in cell.missing]
    return "\n".join(lines)


def render_chart(model: Model) -> str:
    width, margin, gap = 1000, 16, 20
    ncol = max(1, min(2, len(model.profiles)))
    nrow = max(1, math.ceil(len(model.profiles) / ncol))
    panel_w = (width - 2 * margin - (ncol - 1) * gap) / ncol
    bar_h, row_h = 13, 18
    group_title_h, axis_h, group_gap = 20, 24, 10
    panel_title_h = 44
    groups = {p: model.groups(p) for p in model.profiles}
    panel_hs = {p: panel_title_h + sum(group_title_h + row_h * len(modes) + axis_h + group_gap for _, modes in groups[p]) + 6
                for p in model.profiles}
    row_hs = [max([panel_hs[p] for p in model.profiles[k * ncol:(k + 1) * ncol]] + [panel_title_h])
              for k in range(nrow)]
    header_h = 84
    height = header_h + sum(row_hs) + (nrow - 1) * gap + margin

    label_w = max([text_width(m, 11) for m in model.modes] + [40]) + 10
    fail_w = max([text_width(f" {len(c.failed)}/{len(c.runs)} failed", 10) for c in model.cells.values() if c.failed]
                 + [0])
    value_w = text_width("000.0 s", 11) + 8 + fail_w

    svg = Svg()
    svg.rect(0, 0, width, height, "#ffffff")
    r = model.results
    started = parse_time(r.get("started"))
    svg.text(margin, 24, "Cold start: pull + start of the workload (median seconds)", size=17, weight="bold")
    svg.text(margin, 43, f"commit {r.get('commit') or '?'} · {started.strftime('%Y-%m-%d') if started else '?'} · "
             f"{model.runs_per_cell if model.runs_per_cell is not None else '?'} runs per bar "
             "(failed runs excluded) · each image has its own time scale", size=11, fill="#555")
    # legend
    y = 64
    x = margin
    for colour, name in ((PULL_COLOUR, "pull"), (START_COLOUR, "start (run until ready)")):
        svg.rect(x, y - 10, 14, 12, colour)
        svg.text(x + 19, y, name, size=11)
        x += 19 + text_width(name, 11) + 18
    svg.text(x, y, "9.99 s", size=11, weight="bold")
    x += text_width("9.99 s", 11) + 6
    svg.text(x, y, "= median total", size=11)
    x += text_width("= median total", 11) + 18
    svg.rect(x, y - 5, 22, 3, GREY)
    svg.text(x + 27, y, "missing (reason in table.md)", size=11, fill="#666", style="italic")
    x += 27 + text_width("missing (reason in table.md)", 11) + 18
    svg.text(x, y, "k/n failed", size=10, fill=FAIL_COLOUR)
    x += text_width("k/n failed", 10) + 5
    svg.text(x, y, "= runs that failed (not in the bar)", size=11)

    for index, profile in enumerate(model.profiles):
        px = margin + (index % ncol) * (panel_w + gap)
        py = header_h + sum(row_hs[:index // ncol]) + (index // ncol) * gap
        svg.rect(px, py, panel_w, row_hs[index // ncol], "#fbfbfb", stroke="#d0d0d0")
        info = model.profile_info.get(profile) or {}
        svg.text(px + 10, py + 20, f"{profile}: {nominal_link(info)}", size=14, weight="bold")
        measured = measured_text(info)
        svg.text(px + 10, py + 36, measured if measured == "not measured" else f"measured {measured}", size=10.5,
                 fill="#555")
        x0 = px + 10 + label_w          # bar origin
        bar_w = panel_w - 10 - label_w - value_w - 6
        gy = py + panel_title_h
        for image, modes in groups[profile]:
            cells = [model.cell(profile, image, m) for m in modes]
            ends = [max((c.median("pull_s") or 0) + (c.median("start_s") or 0), c.median("total_s") or 0)
                    for c in cells if c.has_data]
            step, top = nice_axis(max(ends, default=0))
            scale = bar_w / top
            comp = model.compressed(image)
            title = image + (f"  ({comp / MB:.1f} MB compressed)" if comp else "")
            svg.text(px + 10, gy + 14, title, size=12, weight="bold")
            by = gy + group_title_h
            axis_y = by + row_h * len(modes) + 2
            # grid
            k = 0
            while k * step <= top + 1e-9:
                gx = x0 + k * step * scale
                svg.line(gx, by - 2, gx, axis_y, GRID if k else "#888")
                svg.line(gx, axis_y, gx, axis_y + 4, "#888")
                label = fmt_tick(k * step, step) + (" s" if (k + 1) * step > top + 1e-9 else "")
                svg.text(gx, axis_y + 15, label, size=9.5, anchor="middle", fill="#555")
                k += 1
            svg.line(x0, axis_y, x0 + bar_w, axis_y, "#888")
            for row, cell in enumerate(cells):
                ry = by + row * row_h
                mid = ry + bar_h / 2
                svg.text(x0 - 6, mid + 4, cell.mode, size=11, anchor="end",
                         weight="bold" if cell.mode == BASELINE else "normal")
                tip = cell_tooltip(cell)
                if cell.has_data:
                    pull, start = cell.median("pull_s") or 0, cell.median("start_s") or 0
                    svg.rect(x0, ry, pull * scale, bar_h, PULL_COLOUR, title=tip)
                    svg.rect(x0 + pull * scale, ry, start * scale, bar_h, START_COLOUR, title=tip)
                    total = cell.median("total_s")
                    end = x0 + max(pull + start, total or 0) * scale + 5
                    value = f"{fmt_s(total)} s" if total is not None else "? s"
                    svg.text(end, mid + 4, value, size=11, weight="bold", title=tip)
                    if cell.failed:
                        svg.text(end + text_width(value, 11) + 4, mid + 4, f"{len(cell.failed)}/{len(cell.runs)} failed",
                                 size=10, fill=FAIL_COLOUR, title=tip)
                else:
                    if cell.failed:
                        what, colour = f"{len(cell.failed)} of {len(cell.runs)} runs failed", FAIL_COLOUR
                    elif cell.missing:
                        what, colour = "missing", "#777"
                    else:
                        what, colour = "no runs recorded", "#777"
                    svg.rect(x0, mid - 1.5, 22, 3, GREY, title=tip)
                    svg.text(x0 + 27, mid + 4, what, size=10.5, fill=colour, style="italic", title=tip)
            gy += group_title_h + row_h * len(modes) + axis_h + group_gap
    body = "\n".join(svg.parts)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" font-family="{FONT}">\n{body}\n</svg>\n')


# ------------------------------------------------------------------------------------------ main

def render(results: dict, out_dir: Path) -> str:
    """Writes out_dir/table.md and out_dir/chart.svg; returns the markdown."""
    out_dir = Path(out_dir)
    model = Model(results)
    table = render_table(model)
    (out_dir / "table.md").write_text(table, encoding="utf-8")
    (out_dir / "chart.svg").write_text(render_chart(model), encoding="utf-8")
    return table


def main(argv) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    try:
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"report.py: cannot read {out_dir / 'results.json'}: {error}", file=sys.stderr)
        return 1
    table = render(results, out_dir)
    try:
        sys.stdout.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

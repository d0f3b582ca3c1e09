"""Charts as inline SVG strings (Matplotlib, no pyplot, deterministic output).

Every function takes only publishable numbers (see `reports.suppression.publishable`) and
returns an `<svg>` element (`_to_svg`, the one SVG clean-up of all reports) without XML prolog, with `role="img"`, a `<title>` and a `<desc>`
referenced by `aria-labelledby`, ids prefixed by the chart id (several charts share one HTML
page) and a scoped style block. Output is byte-identical for identical input.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.kit import formatting as fmt
from reports.kit.chart_cache import cached_chart

# Okabe–Ito palette (distinguishable with colour-vision deficiencies); series are also told
# apart by line style, markers, hatching and labels, never by colour alone.
BLUE = "#0072B2"
ORANGE = "#E69F00"
DARK = "#1f2933"
GREY = "#6b7280"
LIGHT = "#e5e7eb"
BAND = "#fdf3d8"

FONT_STACK = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]
WIDTH_IN = 9.2  # ≈ 880 px, the content width of the report layout

# Typed Any: Matplotlib types rc_context with a Literal of every rc key.
RC: Any = {
    "svg.hashsalt": "kim-monitor",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": 11,
    "axes.titlesize": 12.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.edgecolor": GREY,
    "axes.labelcolor": DARK,
    "xtick.color": DARK,
    "ytick.color": DARK,
    "text.color": DARK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "hatch.linewidth": 1.0,
    "path.simplify": False,
}

_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def _to_svg(fig: Figure, chart_id: str, title: str, description: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return _postprocess(buffer.getvalue(), chart_id, title, description)


def _postprocess(svg: str, chart_id: str, title: str, description: str) -> str:
    chart_id = _ID_SAFE.sub("-", chart_id)
    svg = svg[svg.index("<svg") :]  # strip XML prolog and DOCTYPE

    # Ids must be unique within the HTML page: prefix every id and every reference to it.
    def local(match: re.Match[str]) -> str:
        return f"{chart_id}-{_ID_SAFE.sub('-', match.group(2))}"

    svg = re.sub(r'(\bid=")([^"]+)"', lambda m: f'id="{local(m)}"', svg)
    svg = re.sub(r"(url\(#)([^)]+)\)", lambda m: f"url(#{local(m)})", svg)
    svg = re.sub(r'(href="#)([^"]+)"', lambda m: f'href="#{local(m)}"', svg)
    # Matplotlib's global "*{…}" rule would apply to the whole HTML page: scope it to this chart.
    svg = svg.replace("*{stroke-linejoin", f"#{chart_id} *{{stroke-linejoin")
    # Root element: scalable, accessible.
    root_end = svg.index(">")
    root = svg[:root_end]
    match = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', root)
    natural_width = match.group(1) if match else None
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    root += (
        f' id="{chart_id}" class="chart" role="img" preserveAspectRatio="xMidYMid meet"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc"'
    )
    if natural_width:
        root += f' style="max-width: {natural_width}pt"'
    head = (
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return root + ">" + head + svg[root_end + 1 :].rstrip() + "\n"


def _new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    # Headless Agg canvas attached explicitly: no pyplot, no global backend switch. No layout
    # engine: the charts place their axes themselves (constrained layout doubles the drawing
    # time, and every monthly report of every month has several charts).
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width_in, height_in))
    FigureCanvasAgg(fig)
    return fig


def _text_width_in(fig: Figure, texts: Sequence[str], size: float) -> float:
    """Width in inches of the widest of `texts` at font size `size` (as Matplotlib lays it
    out; the browser's font may differ a little, so callers leave some slack)."""
    if not texts:
        return 0.0
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the SVG/Agg canvases have it
    with matplotlib.rc_context(RC):
        prop = FontProperties(size=size)
        widest = 0.0
        for text in texts:
            for line in str(text).split("\n"):
                width, _, _ = renderer.get_text_width_height_descent(line, prop, ismath=False)
                widest = max(widest, width)
    return widest / fig.dpi


def _place(fig: Figure, ax, *, left: float, right: float, top: float, bottom: float) -> None:
    """Put `ax` at margins given in inches from the figure edges."""
    width_in, height_in = fig.get_size_inches()
    ax.set_position(
        [
            left / width_in,
            bottom / height_in,
            max(0.05, 1 - (left + right) / width_in),
            max(0.05, 1 - (top + bottom) / height_in),
        ]
    )


def _tick_positions(n: int) -> list[int]:
    """About twelve month labels at most, always including the last (report) month."""
    step = max(1, math.ceil(n / 12))
    return [i for i in range(n) if (n - 1 - i) % step == 0]


@cached_chart
def trend_chart(
    periods: Sequence[str],
    active: dict[str, float],
    new: dict[str, float],
    closed: dict[str, float],
    *,
    report_period: str,
    chart_id: str,
    title: str,
    description: str,
    active_title: str = "Aktive Fälle im Monat, Stadt gesamt",
) -> str:
    """Active cases as a line (top) and new/closed cases per month as bars (bottom).

    `periods` are all months on the axis; a month missing from a dict (not published) leaves a
    gap instead of a value. Both panels have a y-axis label, the lower one the month axis.
    `active_title` titles the upper panel (whose active cases: the city's or a provider's)."""
    n = len(periods)
    height = 5.8
    with matplotlib.rc_context(RC):
        fig = _new_figure(height)
        top, bottom = fig.subplots(2, 1, sharex=True)
        report_x = periods.index(report_period) if report_period in periods else None
        for ax in (top, bottom):
            ax.grid(axis="y", color=LIGHT, linewidth=0.8)
            ax.set_axisbelow(True)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.integer(v)))
            if report_x is not None:
                ax.axvspan(report_x - 0.5, report_x + 0.5, color=BAND, zorder=0, linewidth=0)
        top_max = _active_panel(top, periods, active, report_x, active_title)
        bar_max = _new_closed_panel(bottom, periods, new, closed)
        ticks = _tick_positions(n)
        bottom.set_xticks(ticks, [fmt.month_short(periods[i]) for i in ticks])
        bottom.set_xlim(-0.7, n - 0.3)
        if report_x is not None:
            top.text(
                report_x + 0.5,
                1.01,
                "Berichtsmonat",
                transform=top.get_xaxis_transform(),
                ha="right",
                va="bottom",
                fontsize=9.5,
                color=GREY,
            )
        _trend_layout(fig, top, bottom, height, top_max, bar_max)
        return _to_svg(fig, chart_id, title, description)


def _active_panel(ax, periods: Sequence[str], active: dict[str, float], report_x: int | None, title: str) -> float:
    """The line of active cases with a direct label on the report month (or the last
    published month); returns the largest value drawn."""
    xs = list(range(len(periods)))
    ys = [active.get(p, float("nan")) for p in periods]
    ax.plot(xs, ys, color=BLUE, linewidth=2.2, marker="o", markersize=4, zorder=3, label="Aktive Fälle")
    ax.set_title(title)
    ax.set_ylabel("Aktive Fälle")
    top_max = max([v for v in ys if not math.isnan(v)] or [1])
    ax.set_ylim(bottom=0, top=top_max * 1.18)
    label_x = report_x if report_x is not None and not math.isnan(ys[report_x]) else None
    if label_x is None:
        published = [i for i, v in enumerate(ys) if not math.isnan(v)]
        label_x = published[-1] if published else None
    if label_x is not None:
        ax.annotate(
            fmt.integer(ys[label_x]),
            (label_x, ys[label_x]),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontweight="bold",
            color=BLUE,
        )
    return top_max


def _new_closed_panel(ax, periods: Sequence[str], new: dict[str, float], closed: dict[str, float]) -> float:
    """Bars of new (filled) and closed (hatched) cases per month; returns the largest value."""
    xs = list(range(len(periods)))
    nan = float("nan")
    width = 0.4
    new_ys = [new.get(p, nan) for p in periods]
    closed_ys = [closed.get(p, nan) for p in periods]
    ax.bar([x - width / 2 for x in xs], new_ys, width=width, color=BLUE, edgecolor=BLUE, label="Neue Fälle", zorder=3)
    ax.bar(
        [x + width / 2 for x in xs],
        closed_ys,
        width=width,
        color="white",
        edgecolor=ORANGE,
        hatch="////",
        linewidth=1.0,
        label="Abgeschlossene Fälle",
        zorder=3,
    )
    ax.set_title("Neue und abgeschlossene Fälle je Monat")
    ax.set_ylabel("Fälle je Monat")
    ax.set_xlabel("Monat")
    bar_max = max([v for v in new_ys + closed_ys if not math.isnan(v)] + [1])  # all zero: still an axis
    ax.set_ylim(0, bar_max * 1.35)
    ax.legend(loc="upper left", ncols=2, fontsize=10, handlelength=1.6, borderaxespad=0.1)
    return bar_max


def _trend_layout(fig: Figure, top, bottom, height: float, top_max: float, bar_max: float) -> None:
    """Layout in inches: tick labels and the y-axis label on the left, titles above each
    panel, month labels and the x-axis label below."""
    tick_labels = [fmt.integer(v) for v in (top_max * 1.18, bar_max * 1.35)]
    ticks_w = _text_width_in(fig, tick_labels, RC["font.size"]) + 0.12
    left, right, title_h, gap, x_axis = ticks_w + 0.38, 0.15, 0.42, 0.6, 0.72
    panels = height - title_h - gap - x_axis
    top_h, bottom_h = panels * 3 / 5.2, panels * 2.2 / 5.2
    _place(fig, top, left=left, right=right, top=title_h, bottom=height - title_h - top_h)
    _place(fig, bottom, left=left, right=right, top=height - x_axis - bottom_h, bottom=x_axis)
    for ax in (top, bottom):
        ax.yaxis.set_label_coords(-(ticks_w + 0.08) / (WIDTH_IN - left - right), 0.5)


@cached_chart
def horizontal_bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    description: str,
    axis_label: str,
    value_format: Callable[[float], str],
    reference: tuple[str, float] | None = None,
    share_axis: bool = False,
    category_label: str | None = None,
) -> str:
    """Horizontal bars sorted from the largest value (top) to the smallest, value labels at the
    bar ends, optional dashed reference line (e.g. the city-wide figure). `axis_label` names
    the value axis, `category_label` (optional) the axis of the bar labels."""
    ordered = sorted(points, key=lambda p: (-p[1], p[0]))
    labels = [label for label, _ in ordered]
    values = [value for _, value in ordered]
    n = len(ordered)
    height = 0.38 * n + 1.45
    with matplotlib.rc_context(RC):
        fig = _new_figure(height)
        ax = fig.subplots()
        ys = list(range(n))
        ax.barh(ys, values, height=0.62, color=BLUE, zorder=3)
        ax.set_yticks(ys, labels)
        ax.invert_yaxis()
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color=LIGHT, linewidth=0.8)
        ax.set_axisbelow(True)
        top_value = max(values + ([reference[1]] if reference else []) + [0.0])
        if share_axis:
            upper = min(1.0, math.ceil(top_value * 1.2 * 10) / 10) or 0.1
            ax.set_xlim(0, max(upper, top_value * 1.12))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.percent(v, 0)))
        else:
            ax.set_xlim(0, (top_value or 1) * 1.15)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.decimal(v, 1)))
        for y, value in zip(ys, values):
            ax.annotate(
                value_format(value),
                (value, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=10,
                color=DARK,
                zorder=5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
        if reference is not None:
            ax.axvline(reference[1], color=DARK, linestyle=(0, (4, 3)), linewidth=1.3, zorder=4, label=reference[0])
            ax.legend(
                loc="lower right",
                fontsize=10,
                handlelength=2.2,
                facecolor="white",
                framealpha=0.9,
                frameon=True,
                edgecolor=LIGHT,
            )
        ax.set_xlabel(axis_label)
        # Title at the left edge of the figure (long category labels shift the axes right).
        fig.suptitle(
            title, x=0.0, y=1 - 0.1 / height, ha="left", va="top", fontsize=RC["axes.titlesize"], fontweight="bold"
        )
        ax.set_ylim(n - 0.5, -0.5)
        labels_w = _text_width_in(fig, labels, RC["font.size"]) + 0.2
        left = labels_w
        if category_label:
            left += 0.32
            ax.set_ylabel(category_label)
            ax.yaxis.set_label_coords(-(labels_w + 0.05) / (WIDTH_IN - left - 0.35), 0.5)
        _place(fig, ax, left=left, right=0.35, top=0.5, bottom=0.62)
        return _to_svg(fig, chart_id, title, description)


@cached_chart
def small_multiples_bar_chart(
    periods: Sequence[str],
    rows: Sequence[tuple[str, Sequence[dict[str, float]]]],
    *,
    panel_titles: Sequence[str],
    report_period: str,
    chart_id: str,
    title: str,
    description: str,
    width_in: float = WIDTH_IN,
    label_width_in: float = 2.3,
) -> str:
    """A grid of small bar charts: one row per entity (e.g. a provider), one column per measure.

    `rows` holds (row label, one {period: value} dict per measure); row labels may contain line
    breaks. A period missing from a dict is marked with a grey "×" on the baseline instead of a
    bar, so "no data" never looks like zero. Each column shares its y-axis across rows so
    entities can be compared; the report month is highlighted. The layout is computed, not
    constrained (constrained layout is slow for many panels)."""
    n_rows = max(1, len(rows))
    n_cols = max(1, len(panel_titles))
    n = len(periods)
    panel_in, top_in, bottom_in = 0.95, 0.45, 0.45
    height_in = panel_in * n_rows + top_in + bottom_in
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width_in, height_in))
        FigureCanvasAgg(fig)
        fig.subplots_adjust(
            left=label_width_in / width_in,
            right=1 - 0.12 / width_in,
            top=1 - top_in / height_in,
            bottom=bottom_in / height_in,
            hspace=0.28,
            wspace=0.12,
        )
        axes = fig.subplots(n_rows, n_cols, sharex=True, sharey="col", squeeze=False)
        report_x = periods.index(report_period) if report_period in periods else None
        col_max = [max([v for _, series in rows for v in series[c].values()] + [0.0]) for c in range(n_cols)]
        for r, (label, series) in enumerate(rows):
            for c in range(n_cols):
                _small_panel(axes[r][c], periods, series[c], c, report_x, col_max[c])
                if r == 0:
                    axes[r][c].set_title(panel_titles[c], fontsize=11)
            axes[r][0].annotate(
                label,
                xy=(0, 0.5),
                xycoords="axes fraction",
                xytext=(-26, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=10,
                color=DARK,
            )
        ticks = [i for i in range(n) if (n - 1 - i) % (2 if n > 8 else 1) == 0]
        for c in range(n_cols):
            axes[-1][c].set_xticks(ticks, [fmt.month_short(periods[i]) for i in ticks])
            axes[-1][c].set_xlim(-0.7, n - 0.3)
        return _to_svg(fig, chart_id, title, description)


_PANEL_STYLES: tuple[dict[str, Any], ...] = (
    {"color": BLUE, "edgecolor": BLUE},
    {"color": "white", "edgecolor": ORANGE, "hatch": "////", "linewidth": 1.0},
)


def _small_panel(
    ax, periods: Sequence[str], values: dict[str, float], column: int, report_x: int | None, col_max: float
) -> None:
    """One panel of the small multiples: bars of the published months, "×" for the others."""
    xs = list(range(len(periods)))
    ax.grid(axis="y", color=LIGHT, linewidth=0.8)
    ax.set_axisbelow(True)
    if report_x is not None:
        ax.axvspan(report_x - 0.5, report_x + 0.5, color=BAND, zorder=0, linewidth=0)
    present = [(x, values[p]) for x, p in zip(xs, periods) if p in values]
    if present:
        ax.bar(
            [x for x, _ in present],
            [v for _, v in present],
            width=0.62,
            zorder=3,
            **_PANEL_STYLES[column % len(_PANEL_STYLES)],
        )
    missing = [x for x, p in zip(xs, periods) if p not in values]
    if missing:  # drawn a little above the baseline, clear of the tick marks
        ax.scatter(
            missing,
            [0.14] * len(missing),
            marker="x",
            s=20,
            color=GREY,
            linewidths=1.1,
            zorder=4,
            transform=ax.get_xaxis_transform(),
        )
    ax.set_ylim(0, col_max * 1.15 if col_max > 0 else 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.integer(v)))
    ax.tick_params(axis="both", labelsize=9)


# A monthly chart of unmet needs (count as bars, share as a line), used by the annual report.


@cached_chart
def monthly_needs_chart(
    periods: Sequence[str],
    counts: Mapping[str, float],
    shares: Mapping[str, float],
    *,
    chart_id: str,
    title: str,
    description: str,
) -> str:
    """Unmet needs per month: count as bars (top), share as a line (bottom). A month without a
    publishable value shows a grey "×" on the baseline instead of a bar or point."""
    n = len(periods)
    xs = list(range(n))
    nan = float("nan")
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, 5.2), layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax in (top, bottom):
            ax.grid(axis="y", color=LIGHT, linewidth=0.8)
            ax.set_axisbelow(True)

        present = [(x, counts[p]) for x, p in zip(xs, periods) if p in counts]
        if present:
            top.bar(
                [x for x, _ in present],
                [v for _, v in present],
                width=0.62,
                color=BLUE,
                edgecolor=BLUE,
                zorder=3,
            )
        top_max = max([v for _, v in present] + [1.0])
        top.set_ylim(0, top_max * 1.2)
        top.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.integer(v)))
        top.set_ylabel("Anzahl")
        top.set_title("Nicht gedeckte Bedarfe je Monat (Anzahl), Stadt gesamt")

        ys = [shares.get(p, nan) for p in periods]
        bottom.plot(xs, ys, color=ORANGE, linewidth=2.2, marker="s", markersize=5, zorder=3)
        share_max = max([v for v in ys if not math.isnan(v)] + [0.1])
        bottom.set_ylim(0, min(1.0, share_max * 1.3) or 0.1)
        bottom.yaxis.set_major_locator(MaxNLocator(nbins=4))
        bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.percent(v, 0)))
        bottom.set_ylabel("Anteil")
        bottom.set_title("Anteil nicht gedeckter an den abschließend bewerteten Bedarfen")

        for ax, values in ((top, counts), (bottom, shares)):
            missing = [x for x, p in zip(xs, periods) if p not in values]
            if missing:
                ax.scatter(
                    missing,
                    [0.06] * len(missing),
                    marker="x",
                    s=26,
                    color=GREY,
                    linewidths=1.2,
                    zorder=4,
                    transform=ax.get_xaxis_transform(),
                )
        bottom.set_xticks(xs, [fmt.month_short(p) for p in periods])
        bottom.set_xlim(-0.7, n - 0.3)
        bottom.set_xlabel("Monat")
        return _to_svg(fig, chart_id, title, description)

"""Inline SVG charts for the HTML report: plain Python, no JavaScript, nothing fetched.

Every chart is one ``<svg>`` carrying ``data-chart`` (its name), ``role="img"``, an
``aria-label``, a ``<title>`` and a ``<desc>``. Charts take numbers for geometry and
ready-made strings for every label: formatting (pounds, per cent, disclosure's ``*``) is the
caller's business, so a chart never prints a number it was not handed as text.

Every chart is drawn twice, by :func:`responsive`: at ``WIDTH`` for a desktop and for print,
and at ``NARROW`` in one column for a phone, where the wide one would shrink its text to a few
pixels; the page's CSS shows the one that fits (``data-layout`` says which is which).

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies); series also differ by dash pattern, and statuses by pattern and word, never
by colour alone. Inline ``<svg>`` needs no ``xmlns`` in an HTML document (the parser
supplies the namespace), so the report holds no web address at all.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import attrs

WIDTH = 680
#: The phone layout: drawn this wide, it fills a 360 px screen at a little over its size, so
#: its smallest text (9 units) reads at about 10 px.
NARROW = 290
FONT = 11
INK, MUTED, GRID, AXIS = "#212b32", "#4c6272", "#e8edee", "#768692"
#: Okabe-Ito, in the order series are given colours.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 3", "2 2.5", "9 3 2 3", "4 4", "1 3", "12 4")
WITHHELD_GREY = "#c9d1d6"
Ticks = Sequence[tuple[float, str]]
T = TypeVar("T")
Styles = Mapping[str, tuple[str, str]]


# -- elements ----------------------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def tag(name: str, body: str | None = "", **attributes: object) -> str:
    """An element: ``class_`` → ``class``, ``stroke_width`` → ``stroke-width``; None dropped;
    ``body`` None makes it self-closing. Every value is escaped."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{esc(num(v) if isinstance(v, float) else v)}"'
        for key, v in attributes.items()
        if v is not None
    )
    return f"<{name}{rendered}/>" if body is None else f"<{name}{rendered}>{body}</{name}>"


def text(x: float, y: float, words: str, size: float = FONT, **extra: object) -> str:
    return tag("text", esc(words), x=float(x), y=float(y), font_size=num(size), **extra)


def halo(colour: str = "#ffffff") -> dict[str, str]:
    """Attributes that outline text in the background colour, so it reads over lines."""
    return {
        "stroke": colour,
        "stroke_width": "3",
        "paint_order": "stroke",
        "stroke_linejoin": "round",
    }


def tip(words: str) -> str:
    """A hover tooltip: an SVG ``<title>`` child (read by screen readers too)."""
    return tag("title", esc(words)) if words else ""


def rect(x: float, y: float, w: float, h: float, body: str = "", **extra: object) -> str:
    return tag(
        "rect", body or None, x=float(x), y=float(y), width=float(w), height=float(h), **extra
    )


def hline(x1: float, x2: float, y: float, colour: str = GRID, **extra: object) -> str:
    return tag(
        "line", None, x1=float(x1), y1=float(y), x2=float(x2), y2=float(y), stroke=colour, **extra
    )


def vline(x: float, y1: float, y2: float, colour: str = GRID, **extra: object) -> str:
    return tag(
        "line", None, x1=float(x), y1=float(y1), x2=float(x), y2=float(y2), stroke=colour, **extra
    )


def responsive(draw: Callable[[float], str]) -> str:
    """A chart drawn wide and narrow (``draw(width)``), for the page's CSS to show one."""
    return draw(WIDTH) + draw(NARROW)


#: Panels (three rows of two, wide) and bar rows a chart part holds: it fits an A4 page.
PANELS_PER_PART, ROWS_PER_PART = 6, 30


def in_parts(draw: Callable[[Sequence[T], float, int], str], items: Sequence[T], size: int) -> str:
    """A chart of many panels or rows (a report ``--by`` a dimension) drawn responsive in
    parts of at most ``size`` (``draw(items, width, part)``), each with its own key, so a
    printed page holds a part whole and may break between two."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [items]
    return "".join(responsive(functools.partial(_part, draw, chunk, part))
                   for part, chunk in enumerate(chunks, start=1))  # fmt: skip


def _part(draw: Callable[[Sequence[T], float, int], str], chunk: Sequence[T], part: int,
          width: float) -> str:  # fmt: skip
    return draw(chunk, width, part)


def layout(width: float) -> str:
    return "wide" if width >= WIDTH else "narrow"


def ident(name: str, width: float) -> str:
    """The chart's name for element ids: each layout's ids (and patterns) are its own."""
    return name if width >= WIDTH else f"{name}-narrow"


def chart(
    name: str, title: str, desc: str, height: float, body: Iterable[str], width: float = WIDTH,
    part: int = 1,
) -> str:
    """An SVG chart; ``part`` 2 and on: a later part of one chart (:func:`in_parts`)."""
    known = f"chart-{ident(name, width)}" + (f"-{part}" if part > 1 else "")
    title += f" (part {part})" if part > 1 else ""
    return tag(
        "svg",
        tag("title", esc(title), id=f"{known}-title")
        + tag("desc", esc(desc), id=f"{known}-desc")
        + "".join(body),
        viewBox=f"0 0 {num(width)} {num(height)}",
        width="100%",
        role="img",
        aria_label=title,
        aria_describedby=f"{known}-desc",
        data_chart=name,
        data_part=part if part > 1 else None,
        data_layout=layout(width),
        class_=f"chart {layout(width)}",
        font_family="Arial, 'Liberation Sans', Helvetica, sans-serif",
        fill=INK,
    )


def empty(name: str, title: str, desc: str, message: str, width: float = WIDTH) -> str:
    """A chart with nothing to draw still stands in its place and says why."""
    return chart(
        name,
        title,
        desc,
        60,
        [
            rect(0.5, 0.5, width - 1, 59, fill="#f0f4f5", stroke=GRID),
            text(width / 2, 34, message, 12, text_anchor="middle", fill=MUTED),
        ],
        width,
    )


def text_width(words: str, size: float = FONT) -> float:
    """Rough width of Arial text, for layout only."""
    return len(words) * size * 0.55


# -- scales, ticks, colours --------------------------------------------------------------------


@attrs.frozen
class Linear:
    """Maps ``[lo, hi]`` onto ``[start, end]`` (pixels; ``end < start`` for a y axis)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo
        return (
            self.start + (value - self.lo) / span * (self.end - self.start) if span else self.start
        )


def nice_ticks(hi: float, count: int = 5) -> tuple[float, ...]:
    """0, step, 2·step ... up to at least ``hi``; the step is 1, 2, 2.5 or 5 times a power of 10."""
    if hi <= 0:
        return (0.0, 1.0)
    raw = hi / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    return tuple(i * step for i in range(math.ceil(hi / step - 1e-9) + 1))


def colour_of(series: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each series name → (colour, dash), in the order given."""
    return {s: (PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]) for i, s in enumerate(series)}


def y_axis(scale: Linear, ticks: Ticks, left: float, right: float) -> str:
    parts = []
    for value, label in ticks:
        y = scale(value)
        parts.append(hline(left, right, y))
        parts.append(text(left - 5, y + 3.5, label, 9.5, text_anchor="end", fill=MUTED))
    return "".join(parts)


# -- legends and patterns ----------------------------------------------------------------------


@attrs.frozen
class Key:
    """One legend entry: a filled box, a line (with its dash), or a band."""

    name: str
    colour: str
    kind: str = "box"
    dash: str = ""
    pattern: str = ""


def legend(keys: Sequence[Key], x: float, y: float, width: float = WIDTH - 20) -> tuple[str, float]:
    """Entries flowing left to right, wrapping; returns (svg, height used)."""
    parts, cx, cy = [], x, y
    for key in keys:
        step = 26 + text_width(key.name, 10.5) + 18
        if cx + step > x + width and cx > x:
            cx, cy = x, cy + 17
        parts.append(_swatch(key, cx, cy) + text(cx + 25, cy + 4, key.name, 10.5))
        cx += step
    return tag("g", "".join(parts), class_="legend"), cy - y + 18


def _swatch(key: Key, x: float, y: float) -> str:
    if key.kind == "line":
        return hline(
            x, x + 20, y, key.colour, stroke_width="2.5", stroke_dasharray=key.dash or None
        )
    opacity = "0.2" if key.kind == "band" else None
    box = rect(x, y - 5, 20, 10, fill=key.colour, fill_opacity=opacity)
    return box + (rect(x, y - 5, 20, 10, fill=f"url(#{key.pattern})") if key.pattern else "")


def patterns(prefix: str) -> str:
    """Hatching for status cells; ids carry the chart's name, so two charts never clash."""
    stroke = {"stroke_opacity": "0.5", "stroke_width": "1.3"}

    def pattern(name: str, body: str) -> str:
        return tag(
            "pattern",
            body,
            id=f"{prefix}-{name}",
            width="7",
            height="7",
            patternUnits="userSpaceOnUse",
            patternTransform="rotate(45)",
        )

    return tag(
        "defs",
        "".join(
            (
                pattern("hatch", vline(0, 0, 7, INK, **stroke)),
                pattern("cross", vline(0, 0, 7, INK, **stroke) + hline(0, 7, 3.5, INK, **stroke)),
                pattern(
                    "dots",
                    tag("circle", None, cx="3.5", cy="3.5", r="1.1", fill=INK, fill_opacity="0.45"),
                ),
            )
        ),
    )


# -- Kaplan-Meier small multiples --------------------------------------------------------------


@attrs.frozen
class Step:
    """The survival estimate from ``x`` (months) on, with its 95% confidence band."""

    x: float
    y: float
    lower: float
    upper: float


@attrs.frozen
class Curve:
    """A step curve drawn from its first step to ``end`` (months); ``at_risk`` labels align
    with the chart's ticks."""

    name: str
    steps: tuple[Step, ...]
    end: float
    at_risk: tuple[str, ...]


@attrs.frozen
class SurvivalPanel:
    title: str
    curves: tuple[Curve, ...]
    note: str = ""


def survival_chart(
    name: str,
    title: str,
    desc: str,
    panels: Sequence[SurvivalPanel],
    ticks: Sequence[float],
    series: Sequence[str],
    y_min: float,
    width: float = WIDTH,
    part: int = 1,
) -> str:
    if not panels:
        return empty(name, title, desc, "No cohort has anyone to follow yet.", width)
    styles = colour_of(series)
    keys = [Key(s, styles[s][0], "line", styles[s][1]) for s in series]
    key_svg, key_h = legend([*keys, Key("95% confidence band", PALETTE[0], "band")], 10, 10,
                            width - 20)  # fmt: skip
    full, columns = width, 2 if len(panels) > 1 and width >= WIDTH else 1
    width = (full - 14 * (columns - 1)) / columns
    height = 222 + 14 * max(len(p.curves) for p in panels)
    body = [key_svg]
    for i, panel in enumerate(panels):
        x0, y0 = (i % columns) * (width + 14), key_h + 6 + (i // columns) * height
        body.append(_survival_panel(panel, x0, y0, width, ticks, styles, y_min))
    return chart(name, title, desc, key_h + 6 + math.ceil(len(panels) / columns) * height, body,
                 full, part)  # fmt: skip


def _survival_panel(
    panel: SurvivalPanel,
    x0: float,
    y0: float,
    width: float,
    ticks: Sequence[float],
    styles: Styles,
    y_min: float,
) -> str:
    left, right, top, bottom = x0 + 42, x0 + width - 14, y0 + 26, y0 + 172
    xs, ys = Linear(0, ticks[-1], left, right), Linear(y_min, 1, bottom, top)
    parts = [
        text(x0 + 4, y0 + 14, panel.title, 12, font_weight="bold"),
        y_axis(ys, _percent_ticks(y_min), left, right),
        hline(left, right, bottom, AXIS),
    ]
    for t in ticks:
        parts.append(vline(xs(t), bottom, bottom + 4, AXIS))
        parts.append(text(xs(t), bottom + 15, num(t), 9.5, text_anchor="middle", fill=MUTED))
    parts.append(
        text(right, bottom + 29, "months since anchor date", 9.5, text_anchor="end", fill=MUTED)
    )
    parts += [_band(c, xs, ys, styles[c.name][0]) for c in panel.curves]
    parts += [_step_line(c, xs, ys, *styles[c.name]) for c in panel.curves]
    parts.append(_at_risk(panel, xs, ticks, bottom + 46, x0, styles))
    if panel.note:
        parts.append(text(left + 4, bottom - 6, panel.note, 9, fill=MUTED, font_style="italic"))
    return tag("g", "".join(parts), class_="panel")


def _percent_ticks(y_min: float) -> list[tuple[float, str]]:
    tenths = range(math.ceil(y_min * 10 - 1e-9), 11)
    step = 1 if len(tenths) <= 6 else 2
    return [(t / 10, f"{t * 10}%") for t in tenths if (10 - t) % step == 0]


def _visible(curve: Curve, hi: float) -> tuple[list[Step], float]:
    end = min(curve.end, hi)
    return [s for s in curve.steps if s.x <= end], end


def _step_line(curve: Curve, xs: Linear, ys: Linear, colour: str, dash: str) -> str:
    steps, end = _visible(curve, xs.hi)
    if not steps:
        return ""
    d = [f"M{num(xs(steps[0].x))},{num(ys(steps[0].y))}"]
    d += [f"H{num(xs(s.x))}V{num(ys(s.y))}" for s in steps[1:]]
    d.append(f"H{num(xs(end))}")
    label = f"{curve.name}: {steps[-1].y:.1%} still in post at {end:.0f} months"
    return tag(
        "path",
        tip(label),
        d="".join(d),
        fill="none",
        stroke=colour,
        stroke_width="2.2",
        stroke_dasharray=dash or None,
        stroke_linejoin="round",
    )


def _band(curve: Curve, xs: Linear, ys: Linear, colour: str) -> str:
    steps, end = _visible(curve, xs.hi)
    if not steps:
        return ""
    edges = [*(s.x for s in steps[1:]), end]
    upper = [(xs(s.x), xs(e), ys(s.upper)) for s, e in zip(steps, edges)]
    lower = [(xs(s.x), xs(e), ys(s.lower)) for s, e in zip(steps, edges)]
    points = [p for a, b, y in upper for p in ((a, y), (b, y))]
    points += [p for a, b, y in reversed(lower) for p in ((b, y), (a, y))]
    return tag(
        "polygon",
        None,
        points=" ".join(f"{num(x)},{num(y)}" for x, y in points),
        fill=colour,
        fill_opacity="0.15",
        stroke="none",
    )


def _at_risk(
    panel: SurvivalPanel, xs: Linear, ticks: Sequence[float], y: float, x0: float, styles: Styles
) -> str:
    """The numbers at risk under the axis: one row per curve, one column per tick."""
    parts = [text(x0 + 4, y, "Number at risk", 9.5, font_weight="bold", fill=MUTED)]
    for row, curve in enumerate(panel.curves, start=1):
        cy = y + 14 * row
        colour, dash = styles[curve.name]
        parts.append(
            hline(
                x0 + 6, x0 + 26, cy - 3.5, colour, stroke_width="2.5", stroke_dasharray=dash or None
            )
        )
        parts += [
            text(xs(t), cy, label, 9.5, text_anchor="middle")
            for t, label in zip(ticks, curve.at_risk)
        ]
    return tag("g", "".join(parts), class_="at-risk")


# -- grouped bars in panels --------------------------------------------------------------------


@attrs.frozen
class Bar:
    """``value`` None: nothing drawn (suppressed or not available); ``label`` says which."""

    series: str
    value: float | None
    label: str
    foot: str = ""
    tooltip: str = ""


@attrs.frozen
class BarGroup:
    label: str
    bars: tuple[Bar, ...]


@attrs.frozen
class BarPanel:
    title: str
    groups: tuple[BarGroup, ...]


def bar_panels(
    name: str,
    title: str,
    desc: str,
    panels: Sequence[BarPanel],
    series: Sequence[str],
    y_ticks: Ticks,
    columns: int = 2,
    panel_height: float = 200,
    width: float = WIDTH,
    part: int = 1,
) -> str:
    """Grouped bars, one panel per entry, all on one y scale (up to ``y_ticks[-1]``). Where two
    bars' labels would touch (narrow bars, near heights), the taller bar's label goes a line
    up and every panel makes room above for it; feet that would touch alternate two lines."""
    if not panels:
        return empty(name, title, desc, "Nothing to show yet.", width)
    columns = min(columns if width >= WIDTH else 1, len(panels))
    styles = colour_of(series)
    key_svg, key_h = legend([Key(s, styles[s][0]) for s in series], 10, 10, width - 20)
    full, width = width, (width - 14 * (columns - 1)) / columns
    room = _BarRoom(0.0, any(_feet_touch(p, width) for p in panels), max(
        len(_group_words(g.label, _slots(p, 0, width).slot)[1]) for p in panels for g in p.groups))
    for _ in range(3):  # the room above shrinks the scale, which can bring two labels closer
        room = attrs.evolve(room, above=max(
            _lift(p, width, panel_height, room, y_ticks) for p in panels))
    body = [key_svg]
    for i, panel in enumerate(panels):
        x0, y0 = (i % columns) * (width + 14), key_h + 4 + (i // columns) * panel_height
        body.append(_bar_panel(panel, x0, y0, width, panel_height, styles, y_ticks, room))
    rows = math.ceil(len(panels) / columns)
    return chart(name, title, desc, key_h + 4 + rows * panel_height, body, full, part)


#: A line of a chart's small text, and the least space kept between two words side by side.
LINE, GAP = 11.0, 3.0


@attrs.frozen
class _BarRoom:
    """What a set of panels leaves for labels: ``above`` the plot for lifted bar labels,
    whether the bars' feet take two lines (``staggered``), and the lines of the longest
    group name below them (``lines``)."""

    above: float
    staggered: bool
    lines: int = 1


@attrs.frozen
class _Slots:
    """Where a panel's groups and bars sit across it."""

    left: float
    slot: float

    def bar_width(self, group: BarGroup) -> float:
        return min(64.0, (self.slot - 12) / max(len(group.bars), 1))

    def centres(self, g: int, group: BarGroup) -> list[float]:
        bar_w = self.bar_width(group)
        start = self.left + g * self.slot + (self.slot - bar_w * len(group.bars)) / 2
        return [start + (b + 0.5) * bar_w for b in range(len(group.bars))]


def _slots(panel: BarPanel, x0: float, width: float) -> _Slots:
    left, right = x0 + 40, x0 + width - 4
    return _Slots(left, (right - left) / max(len(panel.groups), 1))


def _plot(y0: float, height: float, panel: BarPanel, room: _BarRoom, y_ticks: Ticks) -> Linear:
    top = y0 + (24 if panel.title else 6) + 14 + room.above
    return Linear(0, y_ticks[-1][0], y0 + height - 40 - 12 * (room.lines - 1), top)


def _label_size(words: str, bar_w: float) -> float:
    return max(9.0, min(10.0, (bar_w - 4) / max(text_width(words, 1), 1)))


def _wide(words: str, size: float) -> float:
    """A conservative width of ``words`` (digits and % run wider than :func:`text_width`)."""
    return len(words) * size * 0.6


def _apart(a: str, b: str, size: float, distance: float) -> bool:
    return (_wide(a, size) + _wide(b, size)) / 2 + GAP <= distance


def _label_heights(group: BarGroup, bar_w: float, ys: Linear) -> list[float]:
    """Each bar's label baseline: above its bar, and where two neighbours' labels would
    touch, the taller bar's a line above the other's."""
    heights = [(ys(b.value) if b.value is not None else ys(0) - 12) - 4 for b in group.bars]
    for b in range(1, len(heights)):
        one, two = group.bars[b - 1], group.bars[b]
        size = max(_label_size(one.label, bar_w), _label_size(two.label, bar_w))
        if _apart(one.label, two.label, size, bar_w) or abs(heights[b] - heights[b - 1]) >= LINE:
            continue
        taller = b if heights[b] <= heights[b - 1] else b - 1
        heights[taller] = min(heights[taller], heights[2 * b - 1 - taller] - LINE)
    return heights


def _lift(panel: BarPanel, width: float, height: float, room: _BarRoom, y_ticks: Ticks) -> float:
    """The room above the plot this panel's labels need: ``room.above`` and more if a label
    still reaches higher than a 100% bar's label does with no room made."""
    slots, ys = _slots(panel, 0, width), _plot(0, height, panel, room, y_ticks)
    highest = min((h for g in panel.groups
                   for h in _label_heights(g, slots.bar_width(g), ys)), default=ys.end - 4)
    return room.above + max(0.0, ys.end - room.above - 4 - highest)


def _feet_touch(panel: BarPanel, width: float) -> bool:
    slots = _slots(panel, 0, width)
    return any(not _apart(one.foot, two.foot, 9, slots.bar_width(g))
               for g in panel.groups for one, two in itertools.pairwise(g.bars))


def _bar_panel(
    panel: BarPanel,
    x0: float,
    y0: float,
    width: float,
    height: float,
    styles: Styles,
    y_ticks: Ticks,
    room: _BarRoom,
) -> str:
    slots, ys = _slots(panel, x0, width), _plot(y0, height, panel, room, y_ticks)
    bottom = ys.start
    parts = [
        text(x0 + 4, y0 + 15, panel.title, 12, font_weight="bold") if panel.title else "",
        y_axis(ys, y_ticks, slots.left, x0 + width - 4),
    ]
    for g, group in enumerate(panel.groups):
        bar_w, centres = slots.bar_width(group), slots.centres(g, group)
        heights = _label_heights(group, bar_w, ys)
        parts += [
            _bar(bar, centres[b] - bar_w / 2, bar_w, ys, bottom, styles[bar.series][0],
                 heights[b], bottom + 12 + (LINE if room.staggered and b % 2 else 0))
            for b, bar in enumerate(group.bars)
        ]  # fmt: skip
        parts.append(_group_label(group.label, slots, g, x0, width,
                                  bottom + (36 if room.staggered else 29)))  # fmt: skip
    parts.append(hline(slots.left, x0 + width - 4, bottom, AXIS))
    return tag("g", "".join(parts), class_="panel")


def _group_words(words: str, slot: float) -> tuple[float, list[str]]:
    """A group's name in its slot: smaller if the slot is narrow, on two lines or more if
    even the smallest text is too wide for it."""
    size = min(10.5, (slot - 4) / max(_wide(words, 1), 1))
    return (size, [words]) if size >= 9 else (9.0, wrap(words, 9.0, slot - 4))


def _group_label(words: str, slots: _Slots, g: int, x0: float, width: float, y: float) -> str:
    """A group's name under it, in its slot, and never past the panel."""
    size, lines = _group_words(words, slots.slot)
    half = max(_wide(line, size) for line in lines) / 2
    centre = min(max(slots.left + (g + 0.5) * slots.slot, x0 + half), x0 + width - half)
    return "".join(text(centre, y + 12 * i, line, size, text_anchor="middle", font_weight="bold")
                   for i, line in enumerate(lines))  # fmt: skip


def _bar(
    bar: Bar, x: float, width: float, ys: Linear, bottom: float, colour: str, label_y: float,
    foot_y: float,
) -> str:
    inner, centre = width - 4, x + width / 2
    if bar.value is not None:
        top = ys(bar.value)
        parts = [rect(x + 2, top, inner, max(bottom - top, 0.0), tip(bar.tooltip), fill=colour)]
    else:
        top = bottom - 12
        parts = [
            rect(
                x + 2,
                top,
                inner,
                12,
                tip(bar.tooltip),
                fill="none",
                stroke=AXIS,
                stroke_dasharray="2 2",
            )
        ]
    size = _label_size(bar.label, width)
    parts.append(text(centre, label_y, bar.label, size, text_anchor="middle"))
    if bar.foot:
        parts.append(text(centre, foot_y, bar.foot, 9, text_anchor="middle", fill=MUTED))
    return "".join(parts)


# -- stacked bars with an optional line --------------------------------------------------------


@attrs.frozen
class Segment:
    series: str
    value: float
    tooltip: str = ""


@attrs.frozen
class Column:
    """One stacked bar; ``line`` is the overlaid series' value here (None: no point)."""

    label: str
    group: str
    segments: tuple[Segment, ...]
    top: str = ""
    line: float | None = None
    line_tooltip: str = ""
    line_label: str = ""


def stacked_chart(
    name: str,
    title: str,
    desc: str,
    columns: Sequence[Column],
    series: Sequence[str],
    y_ticks: Ticks,
    line_name: str = "",
    height: float = 280,
    hatched: str = "",
    width: float = WIDTH,
) -> str:
    """``hatched``: the series drawn grey and hatched (e.g. a total whose parts are withheld)."""
    if not columns:
        return empty(name, title, desc, "Nothing to show for this period.", width)
    prefix = ident(name, width)
    # colour, and a pattern once the palette runs out (the 8th series on) or for ``hatched``
    fills = {
        s: (PALETTE[i % len(PALETTE)], f"{prefix}-p-dots" if i >= len(PALETTE) else "")
        for i, s in enumerate(x for x in series if x != hatched)
    }
    if hatched in series:
        fills[hatched] = (WITHHELD_GREY, f"{prefix}-p-hatch")
    keys = [Key(s, fills[s][0], pattern=fills[s][1]) for s in series]
    keys += [Key(line_name, INK, "line", "5 3")] if line_name else []
    key_svg, key_h = legend(keys, 10, 10, width - 20)
    left, right, top, bottom = 50.0, width - 6.0, key_h + 20, key_h + height - 40
    ys = Linear(0, y_ticks[-1][0], bottom, top)
    slot = (right - left) / len(columns)
    parts = [patterns(f"{prefix}-p"), key_svg, y_axis(ys, y_ticks, left, right)]
    parts += [_stack(c, left + i * slot, slot, ys, bottom, fills) for i, c in enumerate(columns)]
    parts += [hline(left, right, bottom, AXIS), _groups(columns, left, slot, bottom)]
    parts.append(_overlay(columns, left, slot, ys))
    return chart(name, title, desc, bottom + 38, parts, width)


def _stack(column: Column, x: float, slot: float, ys: Linear, bottom: float, styles: Styles) -> str:
    width = min(slot * 0.66, 58)
    left, running, parts = x + (slot - width) / 2, 0.0, []
    for segment in column.segments:
        if segment.value > 0:
            y_hi, y_lo = ys(running + segment.value), ys(running)
            colour, pattern = styles[segment.series]
            parts.append(
                rect(
                    left,
                    y_hi,
                    width,
                    y_lo - y_hi,
                    tip(segment.tooltip),
                    fill=colour,
                    stroke="#ffffff",
                    stroke_width="0.7",
                )
            )
            if pattern:
                parts.append(rect(left, y_hi, width, y_lo - y_hi, fill=f"url(#{pattern})"))
            running += segment.value
    if column.top:
        parts.append(text(x + slot / 2, ys(running) - 4, column.top, 9.5, text_anchor="middle"))
    parts.append(
        text(x + slot / 2, bottom + 14, column.label, 9.5, text_anchor="middle", fill=MUTED)
    )
    return "".join(parts)


def _groups(columns: Sequence[Column], left: float, slot: float, bottom: float) -> str:
    """Group labels (financial years) under the column labels, with separators between."""
    parts, start = [], 0
    for i in range(1, len(columns) + 1):
        if i < len(columns) and columns[i].group == columns[start].group:
            continue
        group = columns[start].group
        if text_width(group, 10.5) > (i - start) * slot and len(group) == 7:
            group = group[2:]  # 2024/25 as 24/25 where its quarters are too narrow for it
        parts.append(
            text(
                left + (start + i) / 2 * slot,
                bottom + 30,
                group,
                10.5,
                text_anchor="middle",
                font_weight="bold",
            )
        )
        if i < len(columns):
            parts.append(vline(left + i * slot, bottom, bottom + 34, AXIS))
        start = i
    return "".join(parts)


def _overlay(columns: Sequence[Column], left: float, slot: float, ys: Linear) -> str:
    points = [
        (left + (i + 0.5) * slot, ys(c.line), c)
        for i, c in enumerate(columns)
        if c.line is not None
    ]
    if not points:
        return ""
    path = "M" + "L".join(f"{num(x)},{num(y)}" for x, y, _ in points)
    parts = [
        tag(
            "path",
            None,
            d=path,
            fill="none",
            stroke=INK,
            stroke_width="1.8",
            stroke_dasharray="5 3",
        )
    ]
    for x, y, c in points:
        parts.append(
            tag(
                "circle",
                tip(c.line_tooltip),
                cx=x,
                cy=y,
                r="3.8",
                fill="#ffffff",
                stroke=INK,
                stroke_width="1.8",
            )
        )
        if c.line_label and text_width(c.line_label, 9) <= slot:  # above point and bar
            above = min(y, ys(sum(s.value for s in c.segments if s.value > 0)))
            parts.append(
                text(
                    x,
                    above - 9,
                    c.line_label,
                    9,
                    text_anchor="middle",
                    font_weight="bold",
                    **halo(),
                )
            )
    return tag("g", "".join(parts), class_="overlay")


# -- lines over time ---------------------------------------------------------------------------


@attrs.frozen
class Line:
    """``values`` align with the chart's x labels; None leaves a gap (``labels`` name each)."""

    name: str
    values: tuple[float | None, ...]
    labels: tuple[str, ...]


def line_chart(
    name: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    lines: Sequence[Line],
    y_ticks: Ticks,
    height: float = 210,
    width: float = WIDTH,
) -> str:
    if not x_labels or not lines:
        return empty(name, title, desc, "Nothing to show for this period.", width)
    styles = colour_of([line.name for line in lines])
    keys = [Key(n, c, "line", d) for n, (c, d) in styles.items()]
    key_svg, key_h = legend(keys, 10, 10, width - 20)
    left, right, top, bottom = 44.0, width - 18.0, key_h + 22, key_h + height - 30
    xs = Linear(0, max(len(x_labels) - 1, 1), left + 16, right - 16)
    ys = Linear(0, y_ticks[-1][0], bottom, top)
    parts = [key_svg, y_axis(ys, y_ticks, left, right), hline(left, right, bottom, AXIS)]
    every = max(1, math.ceil(len(x_labels) * 52 / (right - left)))
    parts += [
        text(xs(i), bottom + 15, label, 9.5, text_anchor="middle", fill=MUTED)
        for i, label in enumerate(x_labels)
        if i % every == 0
    ]
    parts += [_polyline(line, xs, ys, *styles[line.name]) for line in lines]
    return chart(name, title, desc, bottom + 24, parts, width)


def _polyline(line: Line, xs: Linear, ys: Linear, colour: str, dash: str) -> str:
    runs: list[list[tuple[float, float, str]]] = [[]]
    for i, (value, label) in enumerate(zip(line.values, line.labels)):
        runs.append([]) if value is None else runs[-1].append((xs(i), ys(value), label))
    parts = []
    for run in (r for r in runs if r):
        path = "M" + "L".join(f"{num(x)},{num(y)}" for x, y, _ in run)
        parts.append(
            tag(
                "path",
                None,
                d=path,
                fill="none",
                stroke=colour,
                stroke_width="2.2",
                stroke_dasharray=dash or None,
            )
        )
        parts += [
            tag("circle", tip(f"{line.name}: {label}"), cx=x, cy=y, r="3.2", fill=colour)
            for x, y, label in run
        ]
    last = next((r[-1] for r in reversed(runs) if r), None)
    if last is not None:
        parts.append(
            text(
                last[0],
                last[1] - 9,
                last[2],
                10,
                text_anchor="middle",
                font_weight="bold",
                fill=colour,
            )
        )
    return "".join(parts)


# -- horizontal bars: differences, and rates against a reference -------------------------------


@attrs.frozen
class HBar:
    """A row: ``value`` as a bar from 0 (None: none), ``reference`` as a black tick."""

    label: str
    value: float | None
    text: str
    reference: float | None = None
    series: str = ""
    tooltip: str = ""


def hbar_chart(
    name: str,
    title: str,
    desc: str,
    rows: Sequence[HBar],
    x_ticks: Ticks,
    series: Sequence[str] = (),
    reference_name: str = "",
    x_title: tuple[str, str] = ("", ""),
    width: float = WIDTH,
    part: int = 1,
) -> str:
    """One row each; negative values run left of the zero line. ``x_title``: words under the
    axis, left and right of zero (e.g. which group a bar on that side favours). Narrow, each
    row's label goes above its bar, and its value under it. A label longer than its room
    (a partnership's full name) takes two lines or more, never cut at the chart's edge."""
    if not rows:
        return empty(name, title, desc, "Nothing to compare yet.", width)
    styles = colour_of([*series] or [""])
    keys = [Key(s, styles[s][0]) for s in series]
    keys += [Key(reference_name, INK, "line")] if reference_name else []
    key_svg, key_h = legend(keys, 10, 10, width - 20) if keys else ("", 0.0)
    wide = width >= WIDTH
    label_w = min(230.0, max(_wide(r.label, 10.5) for r in rows) + 14) if wide else 0.0
    value_w = max(text_width(r.text, 10) for r in rows) + 12 if wide else 0.0
    left, right, top = label_w, width - max(value_w, 60 if wide else 8), key_h + 14
    inset = 6 if wide else 24  # the end ticks' labels stay inside a narrow chart
    xs = Linear(x_ticks[0][0], x_ticks[-1][0], left + inset, right - inset)
    lines = [wrap(r.label, 10.5, label_w - 8 if wide else width - 8) for r in rows]
    step = 22 if wide else 48
    tops = list(itertools.accumulate((step + 13 * (len(said) - 1) for said in lines),
                                     initial=top))  # fmt: skip
    bottom = tops[-1]
    parts = [key_svg]
    for value, label in x_ticks:
        parts.append(vline(xs(value), top - 4, bottom, AXIS if value == 0 else GRID))
        parts.append(text(xs(value), bottom + 14, label, 9.5, text_anchor="middle", fill=MUTED))
    draw = _hbar if wide else _hbar_stacked
    parts += [draw(row, lines[i], xs, tops[i], label_w, right, styles)
              for i, row in enumerate(rows)]  # fmt: skip
    if any(x_title):
        parts.append(text(xs(0) - 8, bottom + 30, x_title[0], 9.5, text_anchor="end", fill=MUTED))
        parts.append(text(xs(0) + 8, bottom + 30, x_title[1], 9.5, fill=MUTED))
    return chart(name, title, desc, bottom + (40 if any(x_title) else 24), parts, width, part)


def wrap(words: str, size: float, width: float) -> list[str]:
    """``words`` in lines no wider than ``width`` (a word longer than that has a line of its
    own), measured as :func:`_wide` measures."""
    lines: list[str] = []
    for word in words.split(" "):
        if lines and _wide(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _hbar(
    row: HBar, lines: Sequence[str], xs: Linear, y: float, label_w: float, right: float,
    styles: Styles,
) -> str:
    colour, middle = styles.get(row.series, (PALETTE[0], ""))[0], 6.5 * (len(lines) - 1)
    parts = [text(label_w - 6, y + 13 + 13 * i, line, 10.5, text_anchor="end")
             for i, line in enumerate(lines)]  # fmt: skip
    parts += _bar_and_tick(row, xs, y + 4 + middle, colour)
    parts.append(text(right + 6, y + 14 + middle, row.text, 10))
    return "".join(parts)


def _hbar_stacked(
    row: HBar, lines: Sequence[str], xs: Linear, y: float, label_w: float, right: float,
    styles: Styles,
) -> str:
    """A narrow row: the label on lines of its own, the bar, then its value under it."""
    colour, below = styles.get(row.series, (PALETTE[0], ""))[0], 13 * (len(lines) - 1)
    parts = [*_bar_and_tick(row, xs, y + 14 + below, colour),
             *(text(4, y + 10 + 13 * i, line, 10.5, font_weight="bold", **halo())
               for i, line in enumerate(lines)),
             text(4, y + 41 + below, row.text, 10, fill=MUTED, **halo())]  # fmt: skip
    return "".join(parts)


def _bar_and_tick(row: HBar, xs: Linear, y: float, colour: str) -> list[str]:
    parts = []
    if row.value is not None:
        a, b = sorted((xs(0), xs(row.value)))
        parts.append(rect(a, y, max(b - a, 1.5), 13, tip(row.tooltip), fill=colour))
    if row.reference is not None:
        parts.append(vline(xs(row.reference), y - 3, y + 16, INK, stroke_width="2.5"))
    return parts

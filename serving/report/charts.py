"""The report's charts: Vega-Lite specs (altair), drawn to inline SVG (vl-convert,
through :mod:`serving.report.svg_cache`).

vl-convert runs Vega in an embedded JavaScript engine, so charts render offline and the
pages need no script at all: each chart is a static ``<svg>`` with its alt text as
``role="img"``, ``aria-label`` and ``<title>``. Vega escapes every label it draws, so
sender text (organisation names) cannot become markup. Colours come from the Okabe-Ito
palette, which stays distinguishable under the common colour-vision deficiencies, and
money is formatted in the en-GB locale (£, thousands separators).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import altair as alt
from markupsafe import Markup, escape

from serving.report.data import Amount, DecileShare, PlaceYear, ThemeProgress
from serving.report.formatting import gbp, percent
from serving.report.svg_cache import SvgCache

# Okabe & Ito (2008), "Color Universal Design".
ORANGE, SKY_BLUE, GREEN, YELLOW, BLUE, VERMILION, PURPLE, GREY = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)
SECTOR_LABELS = {"public": "Public", "private": "Private", "third": "Third sector (VCSE)"}
SECTOR_COLOURS = {"public": BLUE, "private": ORANGE, "third": GREEN}
THEME_COLOURS = [BLUE, ORANGE, GREEN, PURPLE, VERMILION, SKY_BLUE, YELLOW]
WIDTH = 520
# Labels are measured with this font when the SVG is made: DejaVu Sans comes with
# Chromium on Debian, and browsers without it fall back to narrower fonts, so no label
# is ever wider than the room made for it.
FONT = "DejaVu Sans, Verdana, sans-serif"
ILLUSTRATIVE_NOTE = "Includes illustrative (invented) proxy values"


@dataclass(frozen=True)
class Figure:
    """A chart with its alt text: its Vega-Lite spec, and once drawn, its SVG."""

    key: str  # stable id, e.g. "by-year"
    title: str
    alt_text: str
    spec: dict[str, Any]
    is_illustrative: bool
    svg: Markup | None = None  # set by drawn()

    def drawn(self, cache: SvgCache) -> Figure:
        """This figure with its SVG, named for assistive technology."""
        return replace(self, svg=_labelled(cache.svg(self.spec), self.alt_text))


def render(
    chart: alt.TopLevelMixin, key: str, title: str, alt_text: str, illustrative: bool
) -> Figure:
    """A chart's figure, to be drawn (a newline in ``title`` starts a second line)."""
    heading = title.split("\n")
    # Not validated against the Vega-Lite schema here: about 1.2 s a report, every run.
    # tests/test_report.py validates every chart the report draws.
    spec = chart.properties(
        title=alt.TitleParams(heading, subtitle=ILLUSTRATIVE_NOTE if illustrative else "")
    ).to_dict(validate=False)
    spec["config"] = {"font": FONT}
    return Figure(key, " ".join(heading), alt_text, spec, illustrative)


def _labelled(svg: str, alt_text: str) -> Markup:
    """``role="img"``, ``aria-label`` and a ``<title>`` on the root element."""
    label = escape(alt_text)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("vl-convert returned something other than an SVG document")
    head = opening.group(0)[:-1] + f' role="img" aria-label="{label}">'
    return Markup(head + f"<title>{label}</title>" + svg[opening.end() :])


def _sector_colour() -> alt.Color:
    return alt.Color(
        "sector:N",
        title="Sector",
        scale=alt.Scale(domain=list(SECTOR_LABELS), range=list(SECTOR_COLOURS.values())),
        legend=alt.Legend(labelExpr=_label_expr(SECTOR_LABELS), orient="bottom"),
    )


def _label_expr(labels: dict[str, str]) -> str:
    cases = " : ".join(f"datum.label == '{key}' ? '{label}'" for key, label in labels.items())
    return f"{cases} : datum.label"


def _money_axis(title: str = "Social value") -> alt.Axis:
    return alt.Axis(title=title, format="$,.0f")


def _listing(amounts: Sequence[Amount]) -> str:
    return "; ".join(f"{a.label} {gbp(a.value_gbp)}" for a in amounts)


def by_year(amounts: Sequence[Amount]) -> Figure:
    """Social value by financial year, stacked by sector."""
    totals: dict[str, float] = {}
    for amount in amounts:
        totals[amount.label] = totals.get(amount.label, 0.0) + amount.value_gbp
    chart = (
        alt.Chart(alt.Data(values=[_record(a) for a in amounts]), width=WIDTH, height=220)
        .mark_bar()
        .encode(
            x=alt.X("label:O", title="Financial year", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", axis=_money_axis()),
            color=_sector_colour(),
        )
    )
    listing = "; ".join(f"{year} {gbp(value)}" for year, value in sorted(totals.items()))
    return render(
        chart,
        "by-year",
        "Social value by financial year",
        f"Bar chart of social value by financial year, stacked by sector: {listing}.",
        any(a.is_illustrative for a in amounts),
    )


def _record(amount: Amount) -> dict[str, object]:
    return {"label": amount.label, "value": amount.value_gbp, "sector": amount.sector}


def by_theme(amounts: Sequence[Amount]) -> Figure:
    """Social value by TOMs theme, largest first."""
    chart = (
        alt.Chart(alt.Data(values=[_record(a) for a in amounts]), width=WIDTH)
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("label:N", title="Theme", sort="-x"),
            x=alt.X("value:Q", axis=_money_axis()),
        )
    )
    ordered = sorted(amounts, key=lambda a: -a.value_gbp)
    return render(
        chart,
        "by-theme",
        "Social value by theme",
        f"Bar chart of social value by TOMs theme: {_listing(ordered)}.",
        any(a.is_illustrative for a in amounts),
    )


def by_sector(amounts: Sequence[Amount]) -> Figure:
    """Each sector's share of the value: public, private and third sector."""
    total = sum(a.value_gbp for a in amounts) or 1.0
    records = [
        {
            "sector": a.label,
            "share": a.value_gbp / total,
            "text": f"{percent(a.value_gbp / total)} ({gbp(a.value_gbp)})",
        }
        for a in amounts
    ]
    bars = alt.Chart(alt.Data(values=records), width=WIDTH).encode(
        y=alt.Y(
            "sector:N",
            title=None,
            sort=list(SECTOR_LABELS),
            axis=alt.Axis(labelExpr=_label_expr(SECTOR_LABELS)),
        ),
        x=alt.X(
            "share:Q",
            title="Share of social value",
            axis=alt.Axis(format=".0%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
    )
    chart = bars.mark_bar().encode(color=_sector_colour().legend(None)) + bars.mark_text(
        align="left", dx=4
    ).encode(text="text:N")
    listing = "; ".join(
        f"{SECTOR_LABELS.get(r['sector'], r['sector'])} {r['text']}" for r in records
    )
    return render(
        chart,
        "by-sector",
        "Share of social value by sector",
        f"Bar chart of each sector's share of social value: {listing}.",
        any(a.is_illustrative for a in amounts),
    )


def per_head_by_decile(
    places: Sequence[PlaceYear], year: str, highlight: PlaceYear | None = None
) -> Figure:
    """Value per head against IMD decile, one point per district with value in ``year``."""
    shown = [
        p
        for p in places
        if p.imd_decile is not None
        and p.per_head_gbp is not None
        and (p.value_gbp > 0 or p == highlight)
    ]
    records = [
        {
            "name": p.name,
            "decile": p.imd_decile,
            "per_head": p.per_head_gbp,
            "highlight": p == highlight,
        }
        for p in shown
    ]
    base = alt.Chart(alt.Data(values=records), width=WIDTH, height=260).encode(
        x=alt.X(
            "decile:Q",
            title="IMD decile (1 = most deprived tenth of English districts)",
            scale=alt.Scale(domain=[0.5, 10.5]),
            axis=alt.Axis(values=list(range(1, 11)), format="d"),
        ),
        y=alt.Y("per_head:Q", axis=alt.Axis(title="Social value per head", format="$,.2f")),
    )
    points = base.mark_circle(size=70, opacity=0.75).encode(
        color=alt.condition("datum.highlight", alt.value(VERMILION), alt.value(BLUE)),
        size=alt.condition("datum.highlight", alt.value(220), alt.value(70)),
    )
    chart = points
    about = f"{len(shown)} English districts with value in {year}"
    if highlight is not None and highlight in shown:
        label = (
            base.transform_filter("datum.highlight")
            .mark_text(align="left", dx=10, fontWeight="bold", color=VERMILION)
            .encode(text="name:N")
        )
        chart = points + label
        about += (
            f"; {highlight.name} (decile {highlight.imd_decile}, "
            f"{gbp(highlight.per_head_gbp, pence=True)} a head) is highlighted"
        )
    elif highlight is not None:
        about += f"; {highlight.name} has no English deprivation index and is not shown"
    return render(
        chart,
        "per-head-decile",
        f"Value per head against deprivation, {year}",
        f"Scatter plot of social value per resident against IMD decile: {about}.",
        any(p.is_illustrative for p in shown),
    )


def need_shares(shares: Sequence[DecileShare], year: str, scope_name: str) -> Figure:
    """Share of value against share of population, by IMD decile."""
    records = [
        {"decile": s.decile, "measure": measure, "share": share}
        for s in shares
        for measure, share in (
            ("Share of social value", s.value_share),
            ("Share of population", s.population_share),
        )
    ]
    chart = (
        alt.Chart(alt.Data(values=records), width=WIDTH, height=220)
        .mark_bar()
        .encode(
            x=alt.X(
                "decile:O", title="IMD decile (1 = most deprived)", axis=alt.Axis(labelAngle=0)
            ),
            xOffset="measure:N",
            y=alt.Y("share:Q", axis=alt.Axis(title="Share", format=".0%")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=["Share of social value", "Share of population"],
                    range=[BLUE, ORANGE],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    listing = "; ".join(
        f"decile {s.decile}: {percent(s.value_share)} of value, "
        f"{percent(s.population_share)} of people"
        for s in shares
    )
    return render(
        chart,
        "need-shares",
        f"Share of value and of people by deprivation decile\n{scope_name}, {year}",
        f"Grouped bar chart, {scope_name} {year}: {listing}.",
        any(s.is_illustrative for s in shares),
    )


def top_organisations(amounts: Sequence[Amount]) -> Figure:
    """The organisations that delivered most value, coloured by sector."""
    chart = (
        alt.Chart(alt.Data(values=[_record(a) for a in amounts]), width=WIDTH - 120)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)),
            x=alt.X("value:Q", axis=_money_axis()),
            color=_sector_colour(),
        )
    )
    return render(
        chart,
        "top-organisations",
        "Top contributing organisations",
        f"Bar chart of the organisations that delivered most social value: {_listing(amounts)}.",
        any(a.is_illustrative for a in amounts),
    )


def committed_against_delivered(progress: Sequence[ThemeProgress]) -> Figure:
    """What suppliers committed at tender against what they delivered, by theme."""
    records = [
        {"theme": p.theme, "measure": measure, "value": value}
        for p in progress
        for measure, value in (("Committed", p.committed_gbp), ("Delivered", p.delivered_gbp))
    ]
    chart = (
        alt.Chart(alt.Data(values=records), width=WIDTH - 60)
        .mark_bar()
        .encode(
            y=alt.Y("theme:N", title="Theme"),
            yOffset="measure:N",
            x=alt.X("value:Q", axis=_money_axis()),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["Committed", "Delivered"], range=[GREY, BLUE]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    listing = "; ".join(
        f"{p.theme}: {gbp(p.committed_gbp)} committed, {gbp(p.delivered_gbp)} delivered"
        for p in progress
    )
    return render(
        chart,
        "committed-delivered",
        "Committed against delivered, by theme",
        f"Grouped bar chart of value committed at tender against value delivered on the "
        f"same contracts: {listing}.",
        any(p.is_illustrative for p in progress),
    )

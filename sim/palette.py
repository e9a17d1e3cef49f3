"""The app's one colour scheme as plain data: series colours, dash patterns, point shapes.

Okabe & Ito's eight colours ("Color Universal Design", 2008: told apart by people with any
of the common colour-vision deficiencies), then four of Paul Tol's for the rare chart with
more series; every multi-series chart also encodes its series by dash or shape. Pure data
(no UI): :mod:`ui.palette` builds Altair scales on it, and the one-page report
(:mod:`sim.onepage`) colours its SVG charts with it, so a scenario has the same colour on
the page and on paper.
"""

from __future__ import annotations

__all__ = ["SERIES_COLOURS", "DASHES", "SHAPES", "MAX_SERIES", "NEUTRAL", "TEXT", "MUTED",
           "ZONE_TINTS", "BAR_OUTLINE"]

SERIES_COLOURS: tuple[str, ...] = (
    "#0072B2",   # blue
    "#E69F00",   # orange
    "#009E73",   # bluish green
    "#D55E00",   # vermillion
    "#CC79A7",   # reddish purple
    "#56B4E9",   # sky blue
    "#000000",   # black
    "#F0E442",   # yellow (weakest on white)
    "#882255",   # wine      } four of Paul Tol's "muted" colours, for the few charts with
    "#44AA99",   # teal      } more than eight series (the ten TCO elements): each also
    "#999933",   # olive     } has a dash and a shape of its own
    "#332288",   # indigo    }
)
"""Okabe-Ito's eight, in the order series take them (first: the scenario shown), then four
of Tol's muted colours."""

MAX_SERIES = len(SERIES_COLOURS)
"""Most series a chart draws with distinct colours; builders group beyond it."""

DASHES: tuple[tuple[int, ...], ...] = (
    (1, 0), (8, 4), (2, 3), (10, 3, 2, 3), (4, 2), (1, 4), (12, 3, 2, 3, 2, 3), (6, 6),
    (14, 4), (3, 6), (8, 2, 2, 2), (5, 3, 1, 3))
"""Stroke dash patterns (px on, px off), solid first; one per series colour."""

SHAPES: tuple[str, ...] = ("circle", "square", "triangle-up", "diamond", "cross",
                           "triangle-down", "triangle-right", "triangle-left", "wedge",
                           "arrow", "stroke", "triangle")
"""Vega point shapes, one per series colour."""

NEUTRAL = "#8a8a8a"
"""Reference lines and rules (zero, goals)."""

TEXT = "#222222"
MUTED = "#555555"
"""Text on charts (labels of zones, rules)."""

BAR_OUTLINE = "#333333"
"""Outline of bars, dashed by series (the second encoding of bar series)."""

ZONE_TINTS = ("#f9d9c6", "#ececec", "#d4e9f7")
"""Light background tints (vermillion, grey, sky blue): defection, indifference, affection."""

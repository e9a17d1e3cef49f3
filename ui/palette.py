"""The app's one colour scheme: series colours, dash patterns and point shapes for charts.

Every chart that draws more than one series takes its colours from
:data:`SERIES_COLOURS` (Okabe & Ito's eight colours, "Color Universal Design", 2008:
told apart by people with any of the common colour-vision deficiencies; then four of
Paul Tol's for the rare chart with more series), in order,
and encodes the same series a second time by dash pattern (lines, bar outlines,
:data:`DASHES`) or by point shape (points, :data:`SHAPES`), so a series is still
identified in a grey-scale print or on a washed-out projector. The helpers return
Altair scales over an explicit domain (labels known when the template is built) or
over the data's own domain (``domain=None``: series follow the data, e.g. the
scenarios compared, so the cached template does not fix them).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from sim.palette import (
    BAR_OUTLINE,
    DASHES,
    MAX_SERIES,
    MUTED,
    NEUTRAL,
    SERIES_COLOURS,
    SHAPES,
    TEXT,
    ZONE_TINTS,
)

__all__ = ["SERIES_COLOURS", "DASHES", "SHAPES", "MAX_SERIES", "NEUTRAL", "TEXT", "MUTED",
           "ZONE_TINTS", "colour_scale", "dash_scale", "shape_scale", "BAR_OUTLINE"]

def colour_scale(domain: Sequence[str] | None = None, offset: int = 0) -> alt.Scale:
    """Series colours from :data:`SERIES_COLOURS` (starting at ``offset``): over ``domain``
    when the series are known to the template, else over the data's domain in order."""
    colours = list(SERIES_COLOURS[offset:]) + list(SERIES_COLOURS[:offset])
    if domain is None:
        return alt.Scale(range=colours)
    return alt.Scale(domain=list(domain), range=colours[:len(domain)])


def dash_scale(domain: Sequence[str] | None = None, offset: int = 0) -> alt.Scale:
    """Dash patterns from :data:`DASHES`, as :func:`colour_scale`."""
    dashes = [list(d) for d in DASHES[offset:] + DASHES[:offset]]
    if domain is None:
        return alt.Scale(range=dashes)
    return alt.Scale(domain=list(domain), range=dashes[:len(domain)])


def shape_scale(domain: Sequence[str] | None = None, offset: int = 0) -> alt.Scale:
    """Point shapes from :data:`SHAPES`, as :func:`colour_scale`."""
    shapes = list(SHAPES[offset:]) + list(SHAPES[:offset])
    if domain is None:
        return alt.Scale(range=shapes)
    return alt.Scale(domain=list(domain), range=shapes[:len(domain)])

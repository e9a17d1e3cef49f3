"""The lesson reveal's chart builders: valid Vega-Lite, fonts and height grow with the scale."""

from __future__ import annotations

from ui.lesson_charts import before_after_chart, guesses_chart, sweep_chart


def _fonts(spec: dict) -> list[float]:
    found = []
    for layer in spec["layer"]:
        for channel in layer.get("encoding", {}).values():
            axis = channel.get("axis") if isinstance(channel, dict) else None
            if axis:
                found.append(axis["labelFontSize"])
    return found


def _top(spec: dict, name: str):
    return spec.get(name, spec["layer"][0].get(name))


def test_presentation_scale_enlarges_fonts_and_height() -> None:
    for build in (lambda k: sweep_chart("t", "x", "y", ".0%", ".0%", "g", k),
                  lambda k: before_after_chart("t", "", ".0%", ("a", "b"), k),
                  lambda k: guesses_chart("t", "x", "n", ".0%", "truth", k)):
        normal, big = build(1.0).to_dict(), build(1.5).to_dict()     # validates the spec
        assert _top(big, "height") == 1.5 * _top(normal, "height")
        assert _fonts(big) and all(b == 1.5 * n for b, n in zip(_fonts(big), _fonts(normal),
                                                                strict=True))
        assert _top(big, "title")["fontSize"] == 1.5 * _top(normal, "title")["fontSize"]

"""Picker labels and copy names (issue 16, item 6: saved copies distinct in the picker)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.file_names import MAX_NAME_CHARS, changed_fields, copy_name, distinct_labels
from sim.scenario import Scenario, replace_path
from sim.service.params import Service


def test_a_shared_name_is_shown_with_its_file() -> None:
    labels = distinct_labels([("baseline", "Baseline", "baseline"),
                              ("baseline_copy", "Baseline", "baseline_copy"),
                              ("other", "Other", "other")])
    assert labels == {"baseline": "Baseline (baseline)",
                      "baseline_copy": "Baseline (baseline_copy)", "other": "Other"}


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "A (x)"]),
                          st.sampled_from(["", "x", "y"])), max_size=12))
def test_no_two_picker_labels_are_alike(rows) -> None:
    entries = [(f"v{i}", name, origin) for i, (name, origin) in enumerate(rows)]
    labels = distinct_labels(entries)
    assert len(labels) == len(entries)
    assert len(set(labels.values())) == len(entries)


def test_copy_names_are_free_and_not_suffixed_twice() -> None:
    assert copy_name("Today", {"Today"}, " (edited)") == "Today (edited)"
    assert copy_name("Today", {"Today (edited)"}, " (edited)") == "Today (edited) 2"
    assert copy_name("Today (edited)", {"Today (edited)"}, " (edited)") == "Today (edited) 2"
    long = copy_name("x" * 200, set(), "（已修改）")
    assert len(long) == MAX_NAME_CHARS and long.endswith("（已修改）")


def test_changed_fields_lists_values_as_the_file_has_them() -> None:
    base = Scenario()
    edited = replace_path(replace_path(base, "competition.intensity", 0.9), "name", "x")
    edited = replace_path(edited, "retention.by_tenure_year", (0.5, 0.6))
    assert changed_fields(base, edited) == [
        ("retention.by_tenure_year", "[0.6, 0.65, 0.7, 0.75, 0.78, 0.79, 0.8, 0.8, 0.8, 0.8]",
         "[0.5, 0.6]"),
        ("competition.intensity", "0.5", "0.9")]
    with_service = replace_path(base, "service", Service())
    assert changed_fields(base, with_service)[0] == ("service", "—", "added")
    assert changed_fields(base, base) == []

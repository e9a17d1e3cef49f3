"""The scenario library: the TOML files shipped in ``scenarios/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim import scenario_io
from sim.scenario import Scenario
from sim.schema import Issue, ScenarioError, is_safe_stem

_A = "messages.allowed."
_F = "messages.found."

__all__ = ["SCENARIO_DIR", "Preset", "is_preset_id", "list_presets", "load_preset",
           "library_text"]

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
"""Folder of the shipped scenario files."""


def is_preset_id(text: str) -> bool:
    """True for a library file stem (the name rule of saving, :func:`sim.schema.is_safe_stem`):
    1-60 ASCII letters, digits, ``_`` or ``-``, not starting with ``_`` or ``-``, and not a name
    Windows reserves (``CON``, ``NUL``, ``COM1`` …), so it can never name a path outside the
    folder, a device, or a file that some system cannot hold."""
    return is_safe_stem(text)


@dataclass(frozen=True)
class Preset:
    """One scenario file: its id (file stem), path and validated scenario."""

    preset_id: str
    path: Path
    scenario: Scenario


def list_presets(folder: Path = SCENARIO_DIR) -> tuple[list[Preset], dict[str, ScenarioError]]:
    """Every valid scenario file in ``folder`` (sorted by id) and the errors of invalid ones."""
    presets: list[Preset] = []
    errors: dict[str, ScenarioError] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            presets.append(Preset(path.stem, path, scenario_io.load(path)))
        except ScenarioError as exc:
            errors[path.stem] = exc
    return presets, errors


def load_preset(preset_id: str, folder: Path = SCENARIO_DIR) -> Scenario:
    """Load ``scenarios/<preset_id>.toml``.

    Raises:
        ScenarioError: the id names no valid file.
    """
    if not is_preset_id(preset_id):
        raise ScenarioError([Issue("", "rule", got=repr(preset_id),
                                   allowed_key=_A + "lib_preset_id")])
    return scenario_io.load(folder / f"{preset_id}.toml")


def library_text(preset_id: str, folder: Path = SCENARIO_DIR) -> str | None:
    """The text of ``scenarios/<preset_id>.toml`` (what an edit of it starts from), or None
    when the id is not a library id or the file cannot be read as UTF-8."""
    if not is_preset_id(preset_id):
        return None
    try:
        data = (folder / f"{preset_id}.toml").read_bytes()
    except OSError:
        return None
    if len(data) > scenario_io.MAX_FILE_BYTES:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


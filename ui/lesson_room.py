"""Rooms: participants' guesses collected server-side for a trainer's lesson.

A trainer opens a room (a short code); participants open ``/lessons?room=CODE`` on their own
device and send a guess for the question the trainer has open. The store lives in the server
process (one :class:`RoomStore`, shared by every session through ``st.cache_resource``) and is
guarded by a lock, since each session's script runs in its own thread. It is bounded: at most
:data:`MAX_ROOMS` rooms, :data:`MAX_PARTICIPANTS` participants per room, and a room untouched
for :data:`ROOM_TTL_SECONDS` is forgotten. It holds only codes, ids and numbers (no names).
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

__all__ = ["ROOM_ALPHABET", "ROOM_CODE_LENGTH", "MAX_ROOMS", "MAX_PARTICIPANTS",
           "ROOM_TTL_SECONDS", "Room", "RoomStore", "room_store", "is_room_code"]

ROOM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"   # no I or O: read aloud and typed without doubt
ROOM_CODE_LENGTH = 4
MAX_ROOMS = 200
MAX_PARTICIPANTS = 500
ROOM_TTL_SECONDS = 4 * 3600.0
"""A room nobody touched for this long (seconds) is forgotten."""

Guess = float | str


def is_room_code(text: object) -> bool:
    """True for a well-formed room code (e.g. ``ABCD``)."""
    return (isinstance(text, str) and len(text) == ROOM_CODE_LENGTH
            and all(ch in ROOM_ALPHABET for ch in text))


@dataclass
class Room:
    """One room: the lesson and step the trainer has open and the guesses per step.

    ``guesses``: ``{step id: {participant id: guess}}`` (a slider value in the step's unit,
    or a choice code).
    """

    code: str
    lesson_id: str
    step_index: int = 0
    revealed: bool = False
    touched: float = 0.0
    guesses: dict[str, dict[str, Guess]] = field(default_factory=dict)


class RoomStore:
    """Thread-safe, bounded, expiring rooms (every method takes the lock; reads return copies)."""

    def __init__(self, max_rooms: int = MAX_ROOMS, max_participants: int = MAX_PARTICIPANTS,
                 ttl_seconds: float = ROOM_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()
        self._max_rooms, self._max_participants = max_rooms, max_participants
        self._ttl, self._clock = ttl_seconds, clock

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, r in self._rooms.items() if now - r.touched > self._ttl]:
            del self._rooms[code]

    def open_room(self, lesson_id: str) -> str | None:
        """A new room for ``lesson_id``; its code, or None when the store is full."""
        with self._lock:
            self._expire()
            if len(self._rooms) >= self._max_rooms:
                return None
            while True:
                code = "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_CODE_LENGTH))
                if code not in self._rooms:
                    break
            self._rooms[code] = Room(code, lesson_id, touched=self._clock())
            return code

    def room(self, code: str) -> Room | None:
        """A copy of room ``code`` (None when it does not exist or has expired)."""
        with self._lock:
            self._expire()
            found = self._rooms.get(code)
            return copy.deepcopy(found) if found is not None else None

    def show_step(self, code: str, lesson_id: str, step_index: int, revealed: bool) -> bool:
        """The trainer shows step ``step_index`` of ``lesson_id`` (revealed or not);
        False when the room is gone."""
        with self._lock:
            self._expire()
            found = self._rooms.get(code)
            if found is None:
                return False
            found.lesson_id, found.step_index, found.revealed = lesson_id, step_index, revealed
            found.touched = self._clock()
            return True

    def add_guess(self, code: str, step_id: str, participant: str, guess: Guess) -> bool:
        """Record (or replace) one participant's guess for ``step_id``; False when the room is
        gone, the answer is already revealed, or the room is full of participants."""
        with self._lock:
            self._expire()
            found = self._rooms.get(code)
            if found is None or found.revealed:
                return False
            step = found.guesses.setdefault(step_id, {})
            if participant not in step and len(step) >= self._max_participants:
                return False
            step[participant] = guess
            found.touched = self._clock()
            return True

    def guesses(self, code: str, step_id: str) -> list[Guess]:
        """Every guess for ``step_id`` in room ``code`` (empty when none or no room)."""
        with self._lock:
            found = self._rooms.get(code)
            return [] if found is None else list(found.guesses.get(step_id, {}).values())

    def close(self, code: str) -> None:
        """Forget room ``code``."""
        with self._lock:
            self._rooms.pop(code, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._rooms)


@st.cache_resource(show_spinner=False)
def room_store() -> RoomStore:
    """The server's one room store (shared by every session)."""
    return RoomStore()

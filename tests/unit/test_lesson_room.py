"""The lesson rooms' store (ui/lesson_room.py): bounded, expiring, safe under threads."""

from __future__ import annotations

import threading

from ui.lesson_room import ROOM_ALPHABET, RoomStore, is_room_code


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_room_collects_one_guess_per_participant_until_the_reveal() -> None:
    store = RoomStore()
    code = store.open_room("top_box")
    assert code is not None and is_room_code(code) and set(code) <= set(ROOM_ALPHABET)
    assert store.add_guess(code, "ratio_high", "p1", 2.0)
    assert store.add_guess(code, "ratio_high", "p2", 4.0)
    assert store.add_guess(code, "ratio_high", "p1", 3.0)           # p1 changes their mind
    assert sorted(store.guesses(code, "ratio_high")) == [3.0, 4.0]
    assert store.show_step(code, "top_box", 0, revealed=True)
    assert not store.add_guess(code, "ratio_high", "p3", 9.0)       # revealed: closed
    assert store.room(code).revealed and store.room(code).step_index == 0


def test_reads_are_copies() -> None:
    store = RoomStore()
    code = store.open_room("top_box")
    store.add_guess(code, "s", "p", 1.0)
    copy = store.room(code)
    copy.guesses["s"]["intruder"] = 99.0
    assert store.guesses(code, "s") == [1.0]


def test_rooms_are_bounded_and_expire() -> None:
    clock = Clock()
    store = RoomStore(max_rooms=2, max_participants=2, ttl_seconds=60, clock=clock)
    first, second = store.open_room("a"), store.open_room("a")
    assert store.open_room("a") is None                              # full
    assert store.add_guess(first, "s", "p1", 1.0) and store.add_guess(first, "s", "p2", 1.0)
    assert not store.add_guess(first, "s", "p3", 1.0)                # participants bounded
    clock.now = 45
    store.show_step(first, "a", 1, False)                            # the trainer touches it
    clock.now = 90
    assert store.room(second) is None and store.room(first) is not None
    assert len(store) == 1 and store.open_room("a") is not None
    store.close(first)
    assert store.room(first) is None and not store.add_guess(first, "s", "p1", 1.0)
    assert not is_room_code("abcd") and not is_room_code("ABCDE") and not is_room_code(None)


def test_concurrent_guesses_are_all_kept() -> None:
    store = RoomStore()
    code = store.open_room("a")

    def send(worker: int) -> None:
        for i in range(100):
            store.add_guess(code, "s", f"w{worker}-{i}", float(i))

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.guesses(code, "s")) == 400

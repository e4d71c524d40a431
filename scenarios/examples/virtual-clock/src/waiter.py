"""Waits as a worker between polls does, and reports what its own clocks saw.

time.sleep, time.time and time.monotonic are the standard library's: in a
deterministic run fanlab's clock library makes them read and wait for the
emulator's virtual time.
"""
import time


def handler(event, context):
    wall, mono = time.time(), time.monotonic()
    time.sleep(event["seconds"])
    return {
        "slept": round(time.monotonic() - mono, 3),
        "wallDelta": round(time.time() - wall, 3),
        "remainingMs": context.get_remaining_time_in_millis(),
    }

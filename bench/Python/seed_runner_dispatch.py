#!/usr/bin/env python3
"""The seed lesson's callback dispatch (fastai course-v3, lesson 9: `Runner.__call__`), timed.

Plain Python, no torch: only the dispatch is measured, the same shape CallbackGen's dispatch
benchmark measures (bench/Dispatch): five callbacks, each handling `after_batch` and two more of
the eleven training events. As in the lesson, the runner sorts its callbacks by `_order` on every
event and looks each handler up with `getattr(cb, name, None)` on every callback; a callback that
lacks the handler falls through `Callback.__getattr__` to the runner, which raises AttributeError
(caught by getattr's default). Handlers do `self.hits += 1` and return None.

Usage: python3 bench/Python/seed_runner_dispatch.py [--quick] [--json]
Prints ns per dispatch and ns per event for two workloads: one event with 5 handlers, and the 11
training events begin_fit .. after_batch fired once each (15 handlers).
"""
import json
import platform
import statistics
import sys
import timeit


class Callback:
    _order = 0

    def set_runner(self, run):
        self.run = run

    def __getattr__(self, k):
        # The lesson's delegation: unknown attributes are looked up on the runner.
        return getattr(self.run, k)

    def __call__(self, cb_name):
        f = getattr(self, cb_name, None)
        if f and f():
            return True
        return False


class Runner:
    def __init__(self, cbs):
        self.cbs = list(cbs)
        for cb in self.cbs:
            cb.set_runner(self)

    def __call__(self, cb_name):
        res = False
        for cb in sorted(self.cbs, key=lambda x: x._order):
            res = cb(cb_name) or res
        return res


def handler(self):
    self.hits += 1


def make(name, order, events):
    attrs = {"_order": order, "hits": 0}
    for e in events:
        attrs[e] = handler
    return type(name, (Callback,), attrs)


# The same five callbacks as bench/Dispatch/BenchCallbacks.cs, in the seed's event names.
CALLBACKS = [
    make("Cb1", 0, ["begin_batch", "after_pred", "after_batch"]),
    make("Cb2", 10, ["after_loss", "begin_backward", "after_batch"]),
    make("Cb3", 20, ["after_backward", "begin_step", "after_batch"]),
    make("Cb4", 30, ["begin_fit", "after_step", "after_batch"]),
    make("Cb5", 40, ["begin_epoch", "begin_train", "after_batch"]),
]

TRAINING_EVENTS = [
    "begin_fit", "begin_epoch", "begin_train", "begin_batch", "after_pred", "after_loss",
    "begin_backward", "after_backward", "begin_step", "after_step", "after_batch",
]


def measure(fn, number, repeat):
    """Median ns per call over `repeat` timings of `number` calls each (after one warm-up timing)."""
    timeit.timeit(fn, number=number)
    runs = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e9, min(runs) / number * 1e9


def main(argv):
    quick = "--quick" in argv
    number, repeat = (20_000, 3) if quick else (200_000, 7)
    run = Runner(cls() for cls in CALLBACKS)

    def one_event():
        run("after_batch")

    def eleven_events():
        for e in TRAINING_EVENTS:
            run(e)

    one_med, one_min = measure(one_event, number, repeat)
    eleven_med, eleven_min = measure(eleven_events, number // 4, repeat)
    hits = sum(cb.hits for cb in run.cbs)
    assert hits > 0, "the handlers must have run"
    result = {
        "python": platform.python_implementation() + " " + platform.python_version(),
        "executable": sys.executable,
        "calls_per_timing": number,
        "timings": repeat,
        "one_event_ns": one_med,
        "one_event_min_ns": one_min,
        "eleven_events_ns": eleven_med,
        "eleven_events_min_ns": eleven_min,
        "ns_per_event_one": one_med,
        "ns_per_event_eleven": eleven_med / len(TRAINING_EVENTS),
    }
    if "--json" in argv:
        print(json.dumps(result))
    else:
        print(f"{result['python']} ({result['executable']})")
        print(f"one event, 5 handlers:        {one_med:10.1f} ns per dispatch (min {one_min:.1f})")
        print(f"11 events, 15 handlers:       {eleven_med:10.1f} ns per 11 events (min {eleven_min:.1f}), "
              f"{result['ns_per_event_eleven']:.1f} ns per event")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

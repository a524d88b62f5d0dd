"""Garbage-collector settings for the long-running chat server.

CPython's cyclic collector stops the process while it scans. A full (generation 2) collection scans every
tracked object: in a server holding 1,000 sockets that is about 220,000 objects, and it measured 150-220 ms on
the benchmark machine, recurring every 10-15 s at 3,000 messages/s. That one stall was the p99 of delivery.
Two settings shorten and space out those stalls:

- freeze what startup made (modules, the app, the JSON Schemas, the signing keys): it lives as long as the
  process, so scanning it again on every full collection is wasted work;
- a larger generation-0 threshold. A message's futures, frames and coroutine state live a few milliseconds;
  with the default threshold (700) a young collection runs every couple of milliseconds under load and
  promotes whatever is in flight at that moment, and those promotions are what trigger full collections.
"""

from __future__ import annotations

import gc

# Net new container objects between young collections (CPython's default is 700).
GEN0_THRESHOLD = 50_000


def tune_for_serving(gen0_threshold: int = GEN0_THRESHOLD) -> None:
    """Collect once, freeze the survivors of startup, and raise the young-generation threshold."""
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)

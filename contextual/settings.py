"""The contextual-neighbour index's settings: how much of a corpus it holds, when it switches to a
compressed candidate index and how that index is searched, and how many neighbours a query lists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContextualSettings:
    """How contextual indexes are built and queried."""

    #: Token occurrences indexed per layer at most, whole sentences (bounds memory: compressed, about 74
    #: bytes an occurrence a layer in RAM, 4 x hidden size on disk; MiniLM at the cap: 2.2 GB of RAM, 48 GB
    #: of disk).
    max_tokens: int = 5_000_000
    #: From this many occurrences on, each layer's candidate search is a compressed index instead of an
    #: exhaustive fp32 one. Measured (benchmarks/contextual_scale.py, MiniLM's middle layer over Debian's
    #: fortunes, README "Contextual neighbours at scale", quiet 2-core machine): a 32-token text over 6 layers
    #: takes 0.08 s exhaustive against 0.09 s compressed at 6,000 occurrences, 0.14 s against 0.10 s at 9,000;
    #: below, the exhaustive index is exact, as fast and at most 14 MB a layer.
    compressed_from: int = 9_000
    #: Bits the query is quantised to for the compressed index's RaBitQ distance estimates (0 would keep it
    #: fp32, about 45 times slower).
    query_bits: int = 8
    #: Inverted lists per square root of the occurrences (FAISS suggests 4 to 16): 4,016 at a million, each
    #: trained on 39 occurrences sampled with a fixed seed.
    lists_per_sqrt: int = 4
    #: Inverted lists probed per query, and candidates read from disk and screened exactly. Measured at a
    #: million occurrences (README): recall@10 0.998 and a live 32-token query over 6 layers in 0.34 s.
    nprobe: int = 128
    candidates: int = 200
    #: Threads reading and screening the candidates' rows, a block of queries each (numpy releases the GIL
    #: while gathering rows and multiplying): on 2 cores, 32 queries x 800 candidates took 15 ms instead of
    #: 25.
    screen_threads: int = 2
    default_k: int = 5
    max_k: int = 50
    #: Characters of sentence text kept either side of a contextual neighbour.
    snippet_chars: int = 40

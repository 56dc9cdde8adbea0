"""Run the engine over a corpus: one forward pass per sentence, one batched vocabulary comparison per
chunk of sentences, and every per-token number kept as flat token-major arrays."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from journeys.corpus import encoding_measures
from journeys.corpus.pos_tags import TaggedSentence
from journeys.corpus.settings import CorpusSettings
from journeys.corpus.token_classes import SPECIAL, ClassifiedText, classify_text
from journeys.indexer.engine import Encodings, JourneyEngine
from journeys.indexer.options import REFERENCES
from journeys.indexer.records import ModelInfo
from journeys.indexer.views import STUDY_VIEW, View

_TOKEN_FIELDS = ["token_sentence", "token_position", "token_ids", "groups", "offsets"]
_TOKEN_FIELDS += ["overlap", "encodings"]
_SENTENCE_FIELDS = ["cohesion", "alignment"]


@dataclass
class CorpusAnalysis:
    """Per token occurrence (N rows, sentence by sentence) and per sentence (S rows) results."""

    model: ModelInfo
    method: str
    variant: str
    sentences: list[str]
    token_sentence: np.ndarray  # (N,) sentence index of each token
    token_position: np.ndarray  # (N,) position in its sentence
    token_ids: np.ndarray  # (N,) vocabulary id
    groups: np.ndarray  # (N,) group code, see token_classes.GROUPS
    offsets: np.ndarray  # (N, 2) character span in its sentence
    rank: np.ndarray  # (N, L) rank of the own vocabulary row, -1 if it has zero norm
    similarity: np.ndarray  # (N, L) cosine to the own vocabulary row
    overlap: np.ndarray  # (N, L-1) share of the top-k raw-cosine vocabulary rows kept from layer l to l+1
    cohesion: np.ndarray  # (S, L) mean pairwise cosine among a sentence's non-special encodings
    alignment: np.ndarray  # (S, L-1) mean pairwise cosine of their layer-to-layer displacements
    encodings: np.ndarray | None  # (N, L, H) float32 encodings, kept for the contextual index
    by_variant: dict[
        str, dict[str, np.ndarray]
    ]  # every variant the model has: {"rank": .., "similarity": ..}
    view: View = STUDY_VIEW  # where the encodings were read and how they were ranked


def analyze_corpus(
    engine: JourneyEngine,
    sentences: list[str],
    method: str | None = None,
    variant: str | None = None,
    keep_encodings: bool = False,
    progress: bool = True,
    tags: Sequence[TaggedSentence] | None = None,
    settings: CorpusSettings | None = None,
    view: View = STUDY_VIEW,
) -> CorpusAnalysis:
    """Rank, similarity, neighbour overlap and cohesion of every token of every sentence in `view`, in
    memory (`corpus.corpus_pass` runs the same chunks resumably, writing each to disk); function words by
    the word list, or by each sentence's part-of-speech `tags` when given. The method defaults to the
    engine's, the variant to the settings'."""
    if tags is not None and len(tags) != len(sentences):
        raise ValueError(f"{len(tags)} tagged sentences for {len(sentences)} sentences")
    settings = settings or CorpusSettings()
    method = engine.settings.default_method if method is None else method
    variant = settings.variant if variant is None else variant
    chunk_size = settings.chunk_sentences
    with tqdm(
        total=len(sentences),
        unit="sentence",
        desc=f"{engine.info.name} {method}",
        disable=not progress,
        file=sys.stderr,
    ) as bar:
        chunks = [
            analyze_chunk(
                engine,
                sentences[start : start + chunk_size],
                start,
                method,
                keep_encodings,
                settings.overlap_k,
                on_sentence=lambda _tokens: bar.update(),
                tags=None if tags is None else tags[start : start + chunk_size],
                view=view,
            )
            for start in range(0, len(sentences), chunk_size)
        ]
    return joined_analysis(engine.info, method, variant, sentences, chunks, view=view)


def analyze_chunk(
    engine: JourneyEngine,
    chunk: list[str],
    first_sentence: int,
    method: str,
    keep_encodings: bool,
    overlap_k: int,
    on_sentence: Callable[[int], None] | None = None,
    tags: Sequence[TaggedSentence] | None = None,
    view: View = STUDY_VIEW,
) -> dict[str, np.ndarray]:
    """The named arrays of one chunk of sentences (the corpus's from `first_sentence` on) in `view`,
    token-major, every variant's ranks and similarities as `rank.<variant>` and `similarity.<variant>`
    (through the output head: the lens's "own" and "next" ranks and probabilities), neighbour overlap over
    the `overlap_k` nearest rows; `on_sentence` is told each sentence's token count once it has been run."""
    chunk_tags = [None] * len(chunk) if tags is None else tags
    classified = [
        classify_text(engine.loaded.tokenizer, text, tagged)
        for text, tagged in zip(chunk, chunk_tags, strict=True)
    ]
    encoded = []
    for text in chunk:
        encoded.append(engine.encodings(text, method, view.point, view.reference))
        if on_sentence is not None:
            on_sentence(len(encoded[-1].token_ids))
    _check_same_tokens(encoded, classified)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _TOKEN_FIELDS + _SENTENCE_FIELDS}
    _add_chunk(parts, engine, encoded, classified, first_sentence, keep_encodings, overlap_k, view)
    return {name: np.concatenate(arrays) for name, arrays in parts.items() if arrays}


def joined_analysis(
    model: ModelInfo,
    method: str,
    variant: str,
    sentences: list[str],
    chunks: Iterable[dict[str, np.ndarray]],
    encodings: np.ndarray | None = None,
    view: View = STUDY_VIEW,
) -> CorpusAnalysis:
    """The analysis in `view` made of consecutive chunks' arrays, each field concatenated in chunk order,
    with `variant`'s ranks and similarities as its own; `encodings` stands for the chunks' own when they are
    kept elsewhere (memory-mapped shards)."""
    parts: dict[str, list[np.ndarray]] = {}
    for chunk in chunks:
        for name, array in chunk.items():
            parts.setdefault(name, []).append(array)
    joined = {name: np.concatenate(arrays) for name, arrays in parts.items()}
    kept = joined.pop("encodings", None)
    by_variant: dict[str, dict[str, np.ndarray]] = {}
    for name in [name for name in joined if "." in name]:
        field, variant_name = name.split(".")
        by_variant.setdefault(variant_name, {})[field] = joined.pop(name)
    return CorpusAnalysis(
        model=model,
        method=method,
        variant=variant,
        sentences=list(sentences),
        encodings=kept if encodings is None else encodings,
        rank=by_variant[variant]["rank"],
        similarity=by_variant[variant]["similarity"],
        by_variant=by_variant,
        view=view,
        **joined,
    )


def _add_chunk(
    parts: dict[str, list[np.ndarray]],
    engine: JourneyEngine,
    encoded: list[Encodings],
    classified: list[ClassifiedText],
    first_sentence: int,
    keep_encodings: bool,
    overlap_k: int,
    view: View,
) -> None:
    """Score a chunk's encodings in one batch (every variant) and append its arrays to the parts."""
    layers = engine.info.num_layers
    for name, (rank, similarity) in _view_scores(engine, encoded, view).items():
        parts.setdefault(f"rank.{name}", []).append(rank.reshape(-1, layers))
        parts.setdefault(f"similarity.{name}", []).append(similarity.reshape(-1, layers))
    # Neighbour overlap compares raw cosine neighbourhoods: one fp32 FAISS search, token-major like `score`,
    # on the CPU, where FAISS and the measures below take the encodings (moved there once).
    on_cpu = [item.vectors.cpu().numpy() for item in encoded]  # (L, T, H) each
    queries = np.concatenate([vectors.transpose(1, 0, 2).reshape(-1, vectors.shape[2]) for vectors in on_cpu])
    _similarity, neighbour_ids = engine.index.search(queries, overlap_k)
    parts["overlap"].append(encoding_measures.neighbour_overlap(neighbour_ids.reshape(-1, layers, overlap_k)))
    for offset, (item, classes, vectors) in enumerate(zip(encoded, classified, on_cpu, strict=True)):
        num_tokens = len(item.token_ids)
        words = vectors[:, classes.groups != SPECIAL]
        parts["cohesion"].append(encoding_measures.mean_pairwise_cosine(words)[None])
        parts["alignment"].append(encoding_measures.displacement_alignment(words)[None])
        parts["token_sentence"].append(np.full(num_tokens, first_sentence + offset))
        parts["token_position"].append(np.arange(num_tokens))
        parts["token_ids"].append(np.asarray(item.token_ids, dtype=np.int64))
        parts["groups"].append(classes.groups)
        parts["offsets"].append(classes.offsets)
        if keep_encodings:
            parts["encodings"].append(np.ascontiguousarray(vectors.transpose(1, 0, 2)))


def _view_scores(
    engine: JourneyEngine, encoded: list[Encodings], view: View
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each variant's ranks and similarities (distances by the Euclidean metric, probabilities through the
    output head) of the encodings, token-major."""
    if view.reference == REFERENCES[1]:
        found = engine.lens_scores(encoded, top_k=1)
        return {name: (scores.rank, scores.probability) for name, scores in found.items()}
    found = engine.score(encoded, top_k=1, metric=view.metric)
    return {name: (scores.rank, scores.similarity) for name, scores in found.items()}


def _check_same_tokens(encoded: list[Encodings], classified: list[ClassifiedText]) -> None:
    for item, classes in zip(encoded, classified, strict=True):
        if list(item.token_ids) != list(classes.token_ids):
            raise RuntimeError("the classifier and the engine tokenized a sentence differently")

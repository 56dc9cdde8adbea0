"""The compact data a sentence page ships: Journey numbers with rounded similarities and each
neighbour token stored once per page; and the views file beside it, holding the views beyond the study's.

Page data shape (format 3; the study's view), arrays indexed [token][layer] like `VariantResult`:
    {"format": 3, "model": {name, num_layers, hidden_size, vocab_size, precision}, "text": str,
     "tokens": [[id, text], ...], "vocab": [[id, text], ...],
     "methods": {method: {variant: {"rank": [[int|null]], "similarity": [[float|null]],
                                    "neighbours": [[[vocab index, ...]]],
                                    "neighbour_similarity": [[[float, ...]]]}}},
     "unavailable": {method: reason},
     "position_encoding": how the model encodes positions (said where there is no positional variant)}
`variants` holds "raw" always and "positional" only for models with a learned absolute position table.
`JourneyView.fromCompact` in site_templates/static/journey-view.js turns it back into the
`Journey.to_dict()` shape that POST /api/analyze returns; `decode_page` here does the same in Python.

Views file shape (`encode_views`; one view per point, reference and metric the model offers beyond the
study's, by the exact method, `neighbours` neighbours each, their tokens in one table for every view):
    {"format": 3, "neighbours": int, "vocab": [[id, text], ...],
     "views": {"point/reference/metric": {"point", "reference", "metric",
                                          "methods": {"exact": {variant: ...}}}}}
Each variant as above, its values named as the API names them: "distance" by Euclidean distance, and
"logit" and "probability" against the output head (variants "own" and "next"), each with its
"neighbour_<name>". `JourneyViews.sidecar` reads it in the pages; `decode_views` here.
"""

from __future__ import annotations

from typing import Any

from journeys.indexer.lens_records import LensNeighbour, LensResult
from journeys.indexer.records import Journey, ModelInfo, ModelShape, Neighbour, Token, VariantResult
from journeys.indexer.views import View

FORMAT = 3  # 3: the model object carries its precision


def _round(value: float | None, decimals: int | None) -> float | None:
    """`value` rounded to `decimals` (None: kept as it is)."""
    return value if value is None or decimals is None else round(value, decimals)


class VocabularyTable:
    """Page-local numbering of the distinct vocabulary rows that appear as neighbours."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.rows: list[list[int | str]] = []

    def number(self, neighbour: Neighbour) -> int:
        if neighbour.id not in self.index:
            self.index[neighbour.id] = len(self.rows)
            self.rows.append([neighbour.id, neighbour.text])
        return self.index[neighbour.id]


def view_key(view: View) -> str:
    """The name of a view in a views file and in the pages' scripts: "point/reference/metric"."""
    return f"{view.point}/{view.reference}/{view.metric}"


def encode_variants(
    journey: Journey, vocabulary: VocabularyTable, decimals: int | None, neighbours: int | None = None
) -> dict[str, Any]:
    """Per variant of `journey`, its ranks, its values (similarity, distance, or the lens's logit and
    probability) rounded to `decimals`, and its first `neighbours` neighbours (None: all) as vocabulary
    indexes with their values."""
    names = journey.value_names
    encoded = {}
    for variant, result in journey.variants.items():
        cells = [
            [result.values_at(t, layer) for layer in range(len(row))] for t, row in enumerate(result.rank)
        ]
        kept = [[cell[:neighbours] for cell in row] for row in result.neighbours]
        data: dict[str, Any] = {"rank": result.rank}
        for i, name in enumerate(names):
            data[name] = [[_round(cell[i], decimals) for cell in row] for row in cells]
        data["neighbours"] = [[[vocabulary.number(n) for n in cell] for cell in row] for row in kept]
        for i, name in enumerate(names):
            data[f"neighbour_{name}"] = [
                [[_round(n.values[i], decimals) for n in cell] for cell in row] for row in kept
            ]
        encoded[variant] = data
    return encoded


def encode_page(
    text: str,
    journeys: dict[str, Journey],
    info: ModelInfo,
    unavailable: dict[str, str],
    decimals: int | None,
) -> dict[str, Any]:
    """The compact page data for one text analysed by one model with one or more methods, similarities
    rounded to `decimals` (`GallerySettings.similarity_decimals`); `decimals=None` keeps every similarity as
    computed (the full-precision files the downloads read)."""
    first = next(iter(journeys.values()))
    vocabulary = VocabularyTable()
    methods = {method: encode_variants(journey, vocabulary, decimals) for method, journey in journeys.items()}
    return {
        "format": FORMAT,
        "model": first.model.to_dict(),
        "text": text,
        "tokens": [[token.id, token.text] for token in first.tokens],
        "vocab": vocabulary.rows,
        "methods": methods,
        "unavailable": unavailable,
        "position_encoding": info.position_encoding,
    }


def encode_views(journeys: list[Journey], decimals: int, neighbours: int) -> dict[str, Any]:
    """The compact data of one text's views beyond the study's (the views file beside its page), values
    rounded to `decimals`, `neighbours` neighbours per token and layer, their tokens in one table."""
    vocabulary = VocabularyTable()
    views = {
        view_key(journey.view): {
            **journey.view.to_dict(),
            "methods": {journey.method: encode_variants(journey, vocabulary, decimals, neighbours)},
        }
        for journey in journeys
    }
    return {"format": FORMAT, "neighbours": neighbours, "vocab": vocabulary.rows, "views": views}


def _decode_variants(
    variants: dict[str, Any], vocab: list[Token], names: tuple[str, ...], lens: bool
) -> dict[str, VariantResult | LensResult]:
    """The results `encode_variants` compacted (values as rounded)."""
    results: dict[str, VariantResult | LensResult] = {}
    for variant, data in variants.items():
        cells = [
            [
                [
                    (vocab[i], [data[f"neighbour_{name}"][t][layer][k] for name in names])
                    for k, i in enumerate(ids)
                ]
                for layer, ids in enumerate(row)
            ]
            for t, row in enumerate(data["neighbours"])
        ]
        if lens:
            neighbours = [
                [[LensNeighbour(v.id, v.text, *values) for v, values in c] for c in r] for r in cells
            ]
            results[variant] = LensResult(data["rank"], data["logit"], data["probability"], neighbours)
        else:
            rows = [[[Neighbour(v.id, v.text, *values) for v, values in c] for c in r] for r in cells]
            results[variant] = VariantResult(data["rank"], data[names[0]], rows)
    return results


def decode_page(page: dict[str, Any]) -> dict[str, Journey]:
    """The journeys, one per method, that `encode_page` compacted (similarities as rounded)."""
    vocab = [Token(id=row[0], text=row[1]) for row in page["vocab"]]
    tokens = [Token(id=token_id, text=text) for token_id, text in page["tokens"]]
    model = ModelShape.from_dict(page["model"])
    return {
        method: Journey(
            model=model,
            method=method,
            tokens=tokens,
            variants=_decode_variants(variants, vocab, ("similarity",), False),
        )
        for method, variants in page["methods"].items()
    }


def decode_views(views: dict[str, Any], page: dict[str, Any]) -> dict[View, Journey]:
    """The journeys that `encode_views` compacted, by view, with the tokens and model of their `page`."""
    vocab = [Token(id=row[0], text=row[1]) for row in views["vocab"]]
    tokens = [Token(id=token_id, text=text) for token_id, text in page["tokens"]]
    model = ModelShape.from_dict(page["model"])
    journeys = {}
    for entry in views["views"].values():
        view = View.from_dict(entry)
        ((method, variants),) = entry["methods"].items()
        shell = Journey(model=model, method=method, tokens=tokens, view=view)
        shell.variants = _decode_variants(variants, vocab, shell.value_names, shell.is_lens)
        journeys[view] = shell
    return journeys

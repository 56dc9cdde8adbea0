"""The compact data a sentence page ships: Journey numbers with rounded similarities and each
neighbour token stored once per page.

Shape (format 2), arrays indexed [token][layer] like `VariantResult`:
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
"""

from __future__ import annotations

from typing import Any

from journeys.indexer.records import Journey, ModelInfo, ModelShape, Neighbour, Token, VariantResult

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
    methods = {}
    for method, journey in journeys.items():
        methods[method] = {
            variant: {
                "rank": result.rank,
                "similarity": [[_round(s, decimals) for s in row] for row in result.similarity],
                "neighbours": [
                    [[vocabulary.number(n) for n in cell] for cell in row] for row in result.neighbours
                ],
                "neighbour_similarity": [
                    [[_round(n.similarity, decimals) for n in cell] for cell in row]
                    for row in result.neighbours
                ],
            }
            for variant, result in journey.variants.items()
        }
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


def decode_page(page: dict[str, Any]) -> dict[str, Journey]:
    """The journeys, one per method, that `encode_page` compacted (similarities as rounded)."""
    vocab = [Token(id=row[0], text=row[1]) for row in page["vocab"]]
    tokens = [Token(id=token_id, text=text) for token_id, text in page["tokens"]]
    journeys = {}
    for method, variants in page["methods"].items():
        results = {
            variant: VariantResult(
                rank=data["rank"],
                similarity=data["similarity"],
                neighbours=[
                    [
                        [Neighbour(vocab[i].id, vocab[i].text, s) for i, s in zip(ids, sims, strict=True)]
                        for ids, sims in zip(id_row, sim_row, strict=True)
                    ]
                    for id_row, sim_row in zip(data["neighbours"], data["neighbour_similarity"], strict=True)
                ],
            )
            for variant, data in variants.items()
        }
        journeys[method] = Journey(
            model=ModelShape.from_dict(page["model"]), method=method, tokens=tokens, variants=results
        )
    return journeys

"""JourneyEngine: text in, Journey records out. The only module that runs the model.

The gallery, the server and the findings all ask it for records; nothing else touches transformers.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import torch

from journeys.indexer.adapters import ArchitectureAdapter, adapter_for
from journeys.indexer.adapters.discovery import PROBE_TOKENS, first_token_sees_last
from journeys.indexer.capture import ResidualCapture
from journeys.indexer.errors import InputError
from journeys.indexer.lens_records import LensNeighbour, LensResult
from journeys.indexer.logit_lens import LensScores, LogitLens
from journeys.indexer.model_loading import LoadedModel, load_model
from journeys.indexer.offload import Offload
from journeys.indexer.options import (
    POINTS,
    REFERENCES,
    checked_method,
    checked_point,
    checked_seed_point,
    checked_top_k,
    checked_view,
)
from journeys.indexer.output_head import OutputHead, output_head
from journeys.indexer.precision import scoring_device, torch_dtype
from journeys.indexer.records import Journey, ModelInfo, Neighbour, Precision, Token, VariantResult
from journeys.indexer.seed_method import seed_encodings
from journeys.indexer.settings import EngineSettings
from journeys.indexer.text_input import is_blank
from journeys.indexer.token_text import vocabulary_display_texts
from journeys.indexer.views import View
from journeys.indexer.vocabulary_index import VocabularyIndex
from journeys.indexer.vocabulary_scoring import VariantScores, VocabularyScorer

__all__ = ["Encodings", "InputError", "JourneyEngine"]


@dataclass
class Encodings:
    """The analysed encodings of one text: layers x tokens x hidden, with the ids and position rows used
    (for the output reference: as the output head's decoder reads them, after the final norm)."""

    token_ids: list[int]
    #: float32 on the scoring device (the model's input device, the CPU for mps), widened exactly from the
    #: dtype the model computed in; `.cpu()` where numpy or FAISS needs them.
    vectors: torch.Tensor
    #: Position row compared against in the positional variant, per token; None without a position table.
    position_ids: torch.Tensor | None


class JourneyEngine:
    """A loaded model with its vocabulary index, answering analyses of any text; `settings` (the defaults
    when None) say where its index is saved and what an analysis defaults to."""

    def __init__(
        self, loaded: LoadedModel, causal_mask: bool = True, settings: EngineSettings | None = None
    ) -> None:
        self.settings = settings or EngineSettings()
        self.loaded = loaded
        self.adapter: ArchitectureAdapter = adapter_for(loaded.model)
        family = loaded.model.config.model_type
        if not causal_mask and not self.adapter.causal:
            raise InputError(
                f"--no-causal-mask applies to decoders; {family} is an encoder with no causal mask"
            )
        self.causal_mask = causal_mask
        if not causal_mask:
            self._check_mask_switches_off(family)
        self.capture = ResidualCapture(self.adapter.analysis_modules(), self.adapter.blocks())
        self.reference = self.adapter.reference_rows()
        words = self.reference.words
        self.index = VocabularyIndex.load_or_build(words, loaded.name, self.settings)
        positions = None if self.reference.positions is None else self.reference.positions.rows
        self.scorer = VocabularyScorer(self.index, words, positions, scoring_device(loaded.device))
        head = output_head(loaded, self.adapter)
        #: The logit lens where the model has an output head; otherwise why it offers the input reference
        #: only.
        self.lens = LogitLens(head) if isinstance(head, OutputHead) else None
        self.no_output_reference = head if isinstance(head, str) else ""
        vocabulary = max(words.shape[0], head.vocab_size if self.lens else 0)
        self.vocabulary_texts = vocabulary_display_texts(loaded.tokenizer, vocabulary)
        self.info = ModelInfo(
            name=loaded.name if causal_mask else f"{loaded.name} (causal mask off)",
            num_layers=self.capture.num_layers,
            hidden_size=words.shape[1],
            vocab_size=words.shape[0],
            max_tokens=self.adapter.max_tokens(),
            variants=self.reference.variants,
            methods=("exact", "seed") if self.adapter.supports_seed else ("exact",),
            points=POINTS,
            position_encoding=self.reference.position_encoding,
            precision=loaded.precision,
            references=REFERENCES if self.lens else REFERENCES[:1],
        )

    @classmethod
    def load(
        cls,
        model_name: str,
        causal_mask: bool = True,
        settings: EngineSettings | None = None,
        device: str = "auto",
        dtype: str = "auto",
        offload: Offload | None = None,
    ) -> JourneyEngine:
        """Load a model by registry name, folder or Hub id onto `device` in `dtype` (spread as `offload`
        asks), and prepare its index."""
        loaded = load_model(model_name, settings, device=device, dtype=dtype, offload=offload)
        return cls(loaded, causal_mask=causal_mask, settings=settings)

    @property
    def precision(self) -> Precision:
        """The device kind, dtype and torch version every result of this engine is computed with."""
        return self.loaded.precision

    def checked_method(self, method: str) -> str:
        """`method` if this model offers it; otherwise a refusal that says why."""
        return checked_method(method, self.info.methods, self.info.name)

    def tokenize(self, text: str) -> list[int]:
        """Token ids the model sees for `text`, special tokens included; refuses empty or over-long text."""
        if not isinstance(text, str) or is_blank(text):
            raise InputError("text is empty: give at least one word")
        token_ids = self.loaded.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"]
        if len(token_ids) > self.info.max_tokens:
            raise InputError(
                f"text is {len(token_ids)} tokens long; "
                f"{self.info.name} takes at most {self.info.max_tokens} tokens"
            )
        return token_ids

    def encodings(
        self, text: str, method: str | None = None, point: str | None = None, reference: str = "input"
    ) -> Encodings:
        """The encodings of `text` at every layer's analysis point (post-attention or block-output), by the
        chosen method, as the `reference` compares them (the output head: through the model's final norm
        and head transform); the method and point default to the settings'."""
        point = self.settings.default_point if point is None else point
        return self.view_encodings(text, [(point, reference)], method)[(point, reference)]

    def view_encodings(
        self, text: str, wanted: list[tuple[str, str]], method: str | None = None
    ) -> dict[tuple[str, str], Encodings]:
        """The encodings of `text` for each (point, reference) in `wanted`, from one forward pass that
        captures every point asked for; the method defaults to the settings'."""
        method = self.checked_method(self.settings.default_method if method is None else method)
        for point, reference in wanted:
            checked_seed_point(method, checked_point(point))
            if reference == REFERENCES[1]:
                self.checked_lens()
        token_ids = self.tokenize(text)
        input_ids = torch.tensor([token_ids], device=self.loaded.device)
        forward_options = {} if self.causal_mask else self._unmasked(len(token_ids))
        seed = method == "seed"
        device = self.scorer.device  # captures of a model spread over devices all go where they are scored
        points = list(dict.fromkeys(point for point, _reference in wanted))
        with torch.inference_mode(), self.capture.capturing(*points) as captured:
            outputs = self.loaded.model(
                input_ids=input_ids, output_hidden_states=seed, output_attentions=seed, **forward_options
            )
            if seed:
                seed_vectors = seed_encodings(self.adapter, outputs.hidden_states, outputs.attentions, device)
        positions = self._position_rows(len(token_ids), seed)
        found = {}
        for point, reference in wanted:
            tensors = [tensor.reshape(len(token_ids), -1) for tensor in captured[point]]
            if reference == REFERENCES[1]:
                with torch.inference_mode():
                    tensors = [self.lens.head.normalise(tensor) for tensor in tensors]
            vectors = seed_vectors if seed else torch.stack([tensor.to(device) for tensor in tensors])
            # float32 holds every bfloat16 and float16 value exactly, so widening changes no number.
            found[(point, reference)] = Encodings(token_ids, vectors.float(), positions)
        return found

    def checked_lens(self) -> LogitLens:
        """The logit lens, or a one-line refusal where the model has no output head this tool reads."""
        if self.lens is None:
            raise InputError(self.no_output_reference)
        return self.lens

    def _unmasked(self, num_tokens: int) -> dict[str, torch.Tensor]:
        """Forward options that switch a decoder's causal mask off: an all-zero additive 4D mask, which every
        token may see past, and the position ids an unpadded sequence gets, given explicitly because some
        families (OPT) would otherwise derive them from the 2D mask this one replaces."""
        device, dtype = self.loaded.device, torch_dtype(self.loaded.precision)
        options = {"attention_mask": torch.zeros((1, 1, num_tokens, num_tokens), device=device, dtype=dtype)}
        if "position_ids" in inspect.signature(self.loaded.model.forward).parameters:
            options["position_ids"] = torch.arange(num_tokens, device=device)[None]
        return options

    def _check_mask_switches_off(self, family: str) -> None:
        """Refuse when the first token still cannot see the last one with the mask off (GPT-Neo applies its
        own causal mask inside attention)."""
        if not first_token_sees_last(self.loaded.model, self._unmasked(PROBE_TOKENS)):
            raise InputError(
                f"{family} applies its causal mask inside attention, where --no-causal-mask cannot reach it"
            )

    def _position_rows(self, num_tokens: int, seed: bool) -> torch.Tensor | None:
        """The position row each token is compared with; the seed method uses the first one for every token,
        as the published demo did."""
        table = self.reference.positions
        if table is None:
            return None
        if seed:
            return torch.full((num_tokens,), table.first_row)
        return table.rows_for(num_tokens)

    def analyze(
        self, text: str, method: str | None = None, top_k: int | None = None, view: View | None = None
    ) -> Journey:
        """Rank, similarity (or distance) and nearest vocabulary rows of every token at every layer, in `view`
        (analysis point, reference and metric); against the output head, the rank, logit and probability of
        each token's own id (and, for decoders, the next token's) and the top-k tokens by logit. The method,
        top-k and view default to the settings'.

        Each text is scored on its own, so a text's journey never depends on what else was analysed.
        """
        view = self.settings.default_view if view is None else view
        return self.analyze_views(text, [view], method, top_k)[view]

    def analyze_views(
        self, text: str, views: list[View], method: str | None = None, top_k: int | None = None
    ) -> dict[View, Journey]:
        """The journey of `text` in each of `views`, as `analyze` gives it, from one forward pass: the same
        numbers, faster than one analysis per view."""
        method = self.settings.default_method if method is None else method
        top_k = self.settings.default_top_k if top_k is None else top_k
        views = [checked_view(view.point, view.metric, method, reference=view.reference) for view in views]
        checked_top_k(top_k, self.settings.max_top_k)
        encoded = self.view_encodings(text, [(view.point, view.reference) for view in views], method)
        journeys = {}
        for view in views:
            item = encoded[(view.point, view.reference)]
            if view.reference == REFERENCES[1]:
                journeys[view] = self._lens_journey(item, method, view, top_k)
            else:
                journeys[view] = self._journey(item, method, view, self.score([item], top_k, view.metric))
        return journeys

    def score(self, encoded: list[Encodings], top_k: int, metric: str = "cosine") -> dict[str, VariantScores]:
        """Every variant for all encodings by `metric`, queries ordered token-major (token, then layer) per
        text. Scoring several texts together is faster; their values may differ from scoring each alone in
        the last bits of float64 (torch does not promise the same summation order for every batch shape)."""
        queries = torch.cat(
            [item.vectors.transpose(0, 1).reshape(-1, self.info.hidden_size) for item in encoded]
        )
        repeat = self.info.num_layers
        own_ids = torch.cat([torch.tensor(item.token_ids).repeat_interleave(repeat) for item in encoded])
        position_ids = None
        if self.reference.positions is not None:
            position_ids = torch.cat([item.position_ids.repeat_interleave(repeat) for item in encoded])
        return self.scorer.score(queries, own_ids, position_ids, top_k, metric)

    def _journey(self, item: Encodings, method: str, view: View, scores: dict[str, VariantScores]) -> Journey:
        shape = (len(item.token_ids), self.info.num_layers)
        texts = self.vocabulary_texts
        variants = {}
        for variant, found in scores.items():
            # Python lists first: building records from numpy scalars costs several times more.
            ranks = found.rank.reshape(shape).tolist()
            similarity = found.similarity.reshape(shape).tolist()
            neighbour_ids = found.neighbour_ids.reshape(*shape, -1).tolist()
            neighbour_similarity = found.neighbour_similarity.reshape(*shape, -1).tolist()
            variants[variant] = VariantResult(
                rank=[[None if r < 0 else r for r in row] for row in ranks],
                similarity=[[None if math.isnan(s) else s for s in row] for row in similarity],
                neighbours=[
                    [
                        [Neighbour(i, texts[i], s) for i, s in zip(ids, sims, strict=True)]
                        for ids, sims in zip(token_ids, token_sims, strict=True)
                    ]
                    for token_ids, token_sims in zip(neighbour_ids, neighbour_similarity, strict=True)
                ],
            )
        tokens = [Token(token_id, texts[token_id]) for token_id in item.token_ids]
        return Journey(model=self.info.shape, method=method, tokens=tokens, variants=variants, view=view)

    def lens_scores(self, encoded: list[Encodings], top_k: int) -> dict[str, LensScores]:
        """The logit lens for all encodings (normalised for the output head), queries ordered token-major
        per text like `score`: the "own" token's values and, for causal decoders, the "next" token's (none
        for a text's last token)."""
        num_layers = self.info.num_layers
        queries = torch.cat(
            [item.vectors.transpose(0, 1).reshape(-1, item.vectors.shape[2]) for item in encoded]
        )
        own = [torch.tensor(item.token_ids) for item in encoded]
        targets = {"own": own}
        if self.adapter.causal:
            targets["next"] = [torch.cat([ids[1:], torch.tensor([-1])]) for ids in own]
        return self.checked_lens().score(
            queries,
            {name: torch.cat(ids).repeat_interleave(num_layers) for name, ids in targets.items()},
            top_k,
        )

    def _lens_journey(self, item: Encodings, method: str, view: View, top_k: int) -> Journey:
        """The journey of `item` (normalised for the output head) through the logit lens."""
        num_tokens, num_layers = len(item.token_ids), self.info.num_layers
        variants = {
            name: self._lens_result(scores, (num_tokens, num_layers))
            for name, scores in self.lens_scores([item], top_k).items()
        }
        tokens = [Token(token_id, self.vocabulary_texts[token_id]) for token_id in item.token_ids]
        return Journey(model=self.info.shape, method=method, tokens=tokens, variants=variants, view=view)

    def _lens_result(self, found: LensScores, shape: tuple[int, int]) -> LensResult:
        texts = self.vocabulary_texts
        rank = found.rank.reshape(shape).tolist()
        logit = found.logit.reshape(shape).tolist()
        probability = found.probability.reshape(shape).tolist()
        ids = found.neighbour_ids.reshape(*shape, -1).tolist()
        logits = found.neighbour_logits.reshape(*shape, -1).tolist()
        probabilities = found.neighbour_probability.reshape(*shape, -1).tolist()
        return LensResult(
            rank=[[None if r < 0 else r for r in row] for row in rank],
            logit=[[None if math.isnan(v) else v for v in row] for row in logit],
            probability=[[None if math.isnan(v) else v for v in row] for row in probability],
            neighbours=[
                [
                    [LensNeighbour(i, texts[i], v, p) for i, v, p in zip(*layer, strict=True)]
                    for layer in zip(token_ids, token_logits, token_probabilities, strict=True)
                ]
                for token_ids, token_logits, token_probabilities in zip(
                    ids, logits, probabilities, strict=True
                )
            ],
        )

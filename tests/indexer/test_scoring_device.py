"""Where the scoring runs: the scorer holds its tables on the device it is given (the CPU here, where no GPU
is seen), once, and takes the captures there; its products run in IEEE float32 whatever the user's torch
settings, which are back afterwards and rule the model's own forward pass."""

from __future__ import annotations

import pytest
import torch

from brute_force import assert_matches_brute_force
from journeys.indexer.precision import float32_matmul_precision, scoring_device
from journeys.indexer.vocabulary_scoring import VocabularyScorer

TEXT = "The old man the boat, and the dog's bark was loud in Zürich!"
CPU = torch.device("cpu")
MATMUL = torch.backends.cuda.matmul
#: Every per-backend float32 precision torch has (TF32 in cuBLAS and cuDNN, bfloat16 inside oneDNN).
PRECISION_OWNERS = {
    "cuda.matmul": MATMUL,
    "cudnn.conv": torch.backends.cudnn.conv,
    "cudnn.rnn": torch.backends.cudnn.rnn,
    "mkldnn.matmul": torch.backends.mkldnn.matmul,
}
REDUCTIONS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")


def held_tensors(scorer: VocabularyScorer) -> dict[str, torch.Tensor]:
    """Every table the scorer holds, its position tables (as far as they are built) included."""
    tables = {
        "unit_rows": scorer.unit_rows,
        "row_ids": scorer.row_ids,
        "words": scorer.words,
        "row_norms64": scorer.row_norms64,
        "row_norms": scorer.row_norms,
        "negative_half_squares": scorer.negative_half_squares,
        "column_of_id": scorer.column_of_id,
    }
    if scorer.positions is not None:
        tables["positions"] = scorer.positions
        built = scorer.position_tables
        tables |= {f"inverse {p}": table for p, table in built._inverse.items()}
        tables |= {f"row dots {p}": table for p, table in built._row_dots.items()}
    return tables


@pytest.mark.parametrize("family", ["gpt2", "albert"])
def test_the_scorer_holds_every_table_on_its_device_and_the_cpu_table_is_faiss_own(family_engine, family):
    """GPT-2 scores against its own embedding weight, ALBERT against projected rows; both with positions."""
    engine = family_engine(family)
    engine.analyze(TEXT)  # builds the position tables it meets
    scorer = engine.scorer
    assert scorer.device == CPU == scoring_device(engine.loaded.device)
    tables = held_tensors(scorer)
    assert any(name.startswith("inverse ") for name in tables)
    assert {name: table.device for name, table in tables.items()} == dict.fromkeys(tables, CPU)
    assert engine.encodings(TEXT).vectors.device == CPU
    # No second copy of the normalised vocabulary: the scorer's table is FAISS's own storage.
    assert scorer.unit_rows.data_ptr() == engine.index.vectors.ctypes.data
    if family == "gpt2":  # nor of the embedding: the model's own weight, as it is
        assert scorer.words.data_ptr() == engine.loaded.model.get_input_embeddings().weight.data_ptr()


def test_a_scorer_given_the_cpu_copies_nothing(family_engine):
    engine = family_engine("gpt2")
    words = engine.reference.words
    scorer = VocabularyScorer(engine.index, words, engine.reference.positions.rows, CPU)
    assert scorer.device == CPU
    assert scorer.unit_rows.data_ptr() == engine.index.vectors.ctypes.data
    assert scorer.words.data_ptr() == words.data_ptr()
    assert scorer.row_ids.data_ptr() == engine.index.row_ids.ctypes.data


def test_mps_is_scored_on_the_cpu_and_other_devices_where_the_model_is():
    """mps has no float64 for the settling; the device need not exist to be named."""
    assert scoring_device(torch.device("mps")) == CPU
    assert scoring_device(torch.device("cuda", 1)) == torch.device("cuda", 1)
    assert scoring_device(CPU) == CPU


def product_settings_now() -> dict[str, object]:
    """What torch's product settings are now, read through the per-backend form torch always answers."""
    settings: dict[str, object] = {"float32_matmul": float32_matmul_precision()}
    settings |= {name: owner.fp32_precision for name, owner in PRECISION_OWNERS.items()}
    settings |= {name: (getattr(MATMUL, name), getattr(MATMUL, f"{name}_split_k")) for name in REDUCTIONS}
    return settings


@pytest.fixture
def roberta_engine(family_engine):
    """The tiny RoBERTa's engine, loaded before any test changes the settings (its record keeps them)."""
    return family_engine("roberta")


@pytest.fixture
def user_settings(request, roberta_engine):
    """The user's loose product settings for the test, set the legacy way (`set_float32_matmul_precision`,
    `allow_tf32`), the per-backend way (`fp32_precision`) or a mix of both (after which torch refuses to
    read the legacy matmul precision), and reductions with a split-k setting of their own; torch's own are
    back afterwards."""
    before = product_settings_now()
    if request.param in ("legacy", "mixed"):
        torch.set_float32_matmul_precision("medium")
        torch.backends.cudnn.allow_tf32 = True
    if request.param == "mixed":
        MATMUL.allow_tf32 = True
    if request.param == "per-backend":
        for owner in PRECISION_OWNERS.values():
            owner.fp32_precision = "tf32"
        torch.backends.mkldnn.matmul.fp32_precision = "bf16"
    MATMUL.allow_fp16_reduced_precision_reduction = (False, False)  # off, but not as the scoring sets it
    MATMUL.allow_bf16_reduced_precision_reduction = True
    yield product_settings_now()
    torch.set_float32_matmul_precision(before["float32_matmul"] or "highest")
    for name, owner in PRECISION_OWNERS.items():
        owner.fp32_precision = before[name]
    for name in REDUCTIONS:
        setattr(MATMUL, name, before[name])


@pytest.mark.parametrize("user_settings", ["legacy", "per-backend", "mixed"], indirect=True)
def test_scoring_switches_loose_products_off_and_gives_the_users_settings_back(roberta_engine, user_settings):
    """Inside the scoring every loose setting is off; the model's forward pass, before and after, and the
    user, afterwards, see their own settings; and the results still equal a float64 brute force."""
    engine = roberta_engine
    seen_in_forward, seen_in_scoring = [], []
    hook = engine.loaded.model.register_forward_pre_hook(
        lambda *_: seen_in_forward.append(product_settings_now())
    )
    plan = engine.scorer._plan

    def plan_watched(*args, **kwargs):
        seen_in_scoring.append(product_settings_now())
        return plan(*args, **kwargs)

    engine.scorer._plan = plan_watched
    try:
        assert_matches_brute_force(engine, TEXT, "exact")
    finally:
        del engine.scorer._plan
        hook.remove()
    strict = {"float32_matmul": "highest"} | dict.fromkeys(PRECISION_OWNERS, "ieee")
    assert seen_in_scoring and all(seen.items() >= strict.items() for seen in seen_in_scoring)
    assert all(not seen[name][0] for seen in seen_in_scoring for name in REDUCTIONS)
    assert seen_in_forward and all(seen == user_settings for seen in seen_in_forward)
    assert product_settings_now() == user_settings
    if user_settings["float32_matmul"] == "medium":  # set the legacy way: still read the legacy way
        assert torch.backends.cudnn.allow_tf32

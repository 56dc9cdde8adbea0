"""bfloat16 and float16 on the CPU: the engine captures the model's own reduced-precision computation, and
scores it exactly; float32 stays the default; refusals of what a device cannot do."""

from __future__ import annotations

import functools

import pytest
import torch
from test_family_residuals import analysis_point_inputs
from transformers import AutoModel

from brute_force import assert_matches_brute_force
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError
from journeys.indexer.precision import check_computes, resolve_device, resolve_dtype
from tiny_families import SUPPORTED_FAMILIES

TEXT = "The old man the boat, and the dog's bark was loud in Zürich!"


@pytest.fixture(scope="module")
def bf16_engine(family_folders, engine_settings):
    """A tiny family's engine computing in bfloat16 on the CPU, loaded once per module."""
    return functools.cache(
        lambda family: JourneyEngine.load(
            str(family_folders[family]), settings=engine_settings, dtype="bfloat16"
        )
    )


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_the_capture_is_the_models_own_bf16_residual_bit_for_bit(bf16_engine, family_folders, family):
    """A second bf16 model, loaded here and hooked here, gives the very tensors the engine captured."""
    engine = bf16_engine(family)
    assert {parameter.dtype for parameter in engine.loaded.model.parameters()} == {torch.bfloat16}
    model = AutoModel.from_pretrained(
        family_folders[family], attn_implementation="eager", dtype=torch.bfloat16
    )
    input_ids = torch.tensor([engine.tokenize(TEXT)])
    expected = analysis_point_inputs(model.eval(), input_ids)
    assert expected.dtype == torch.bfloat16
    captured = engine.encodings(TEXT).vectors
    assert captured.dtype == torch.float32  # widened, which changes no value
    assert torch.equal(captured, expected.float())


@pytest.mark.parametrize("family", SUPPORTED_FAMILIES)
def test_bf16_ranks_similarities_and_neighbours_equal_a_float64_brute_force(bf16_engine, family):
    assert_matches_brute_force(bf16_engine(family), TEXT, "exact")


def test_bf16_moves_the_numbers_and_says_so(bf16_engine, family_engine):
    """The bf16 journey is not the float32 one under another label: the residuals differ, and each journey
    records the precision it was computed in."""
    reduced, full = bf16_engine("llama"), family_engine("llama")
    assert not torch.equal(reduced.encodings(TEXT).vectors, full.encodings(TEXT).vectors)
    assert reduced.analyze(TEXT).model.precision.dtype == "bfloat16"
    assert full.analyze(TEXT).model.precision.dtype == "float32"


def test_float16_computes_on_the_cpu_and_scores_exactly(family_folders, engine_settings):
    engine = JourneyEngine.load(str(family_folders["qwen3"]), settings=engine_settings, dtype="float16")
    assert engine.precision.dtype == "float16"
    assert_matches_brute_force(engine, TEXT, "exact")


def test_auto_is_float32_on_the_cpu_whatever_the_checkpoint_holds(family_engine):
    """The llama-bf16 folder holds bfloat16 weights; on the CPU, auto computes in float32."""
    engine = family_engine("llama-bf16")
    assert engine.precision.dtype == "float32"
    cpu = torch.device("cpu")
    assert resolve_dtype("auto", cpu, torch.bfloat16) == torch.float32


def test_a_dtype_the_device_has_no_kernels_for_is_refused_in_one_line():
    """No --dtype choice lacks CPU kernels in this torch, so the check is shown on float8, which does."""
    with pytest.raises(InputError) as refusal:
        check_computes(torch.device("cpu"), torch.float8_e4m3fn)
    assert str(refusal.value) == f"cpu cannot compute in float8_e4m3fn with this torch ({torch.__version__})"
    with pytest.raises(InputError, match="dtype must be one of auto, float32, bfloat16, float16, not 'int8'"):
        resolve_dtype("int8", torch.device("cpu"), None)


@pytest.mark.parametrize("spec", ["gpu", "cpu:1", "cuda:x", "meta", ""])
def test_a_device_name_torch_does_not_know_is_refused(spec):
    with pytest.raises(InputError, match=r"^device must be one of auto, cpu, cuda, cuda:N, mps, not "):
        resolve_device(spec)


def test_auto_device_is_the_cpu_where_torch_sees_no_gpu():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


@pytest.fixture
def medium_float32_products():
    """The user's torch allows reduced-precision float32 products (bfloat16 inside oneDNN on a CPU, TF32 on
    a GPU) for the whole test."""
    previous = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("medium")
    yield
    torch.set_float32_matmul_precision(previous)


def test_scoring_stays_exact_when_the_user_allows_reduced_precision_products(
    family_folders, engine_settings, medium_float32_products
):
    """The model's own forward pass keeps the user's setting (and the record says which); the scoring's
    products do not, so the results still equal a float64 brute force of what the model computed."""
    engine = JourneyEngine.load(str(family_folders["roberta"]), settings=engine_settings)
    assert engine.precision.matmul == "medium"
    seen = []
    product = engine.scorer._plan

    def plan_watched(*args, **kwargs):
        seen.append(torch.get_float32_matmul_precision())
        return product(*args, **kwargs)

    engine.scorer._plan = plan_watched
    try:
        assert_matches_brute_force(engine, TEXT, "exact")
    finally:
        del engine.scorer._plan
    assert seen and set(seen) == {"highest"}  # the vocabulary product ran in full precision
    assert torch.get_float32_matmul_precision() == "medium"

"""The findings report, its JSON, the command line and the page, on tiny models."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from markupsafe import escape

from journeys.cli import USER_ERRORS, build_parser
from journeys.contextual.index import contextual_folder
from journeys.corpus.corpus_analysis import analyze_corpus
from journeys.corpus.corpus_sources import read_source
from journeys.corpus.outside_corpus import load_outside_corpus
from journeys.corpus.pos_tags import MissingPackageError
from journeys.corpus.settings import CorpusSettings
from journeys.findings.build import build_model_findings
from journeys.findings.claims import Choices, ClaimComputer, ClaimInputs
from journeys.findings.control import control_folder
from journeys.findings.density import vocabulary_density
from journeys.findings.report import build_findings, run_findings, summary_text
from journeys.findings.sensitivity import SENSITIVITY_RESAMPLES
from journeys.findings.settings import FindingsSettings
from journeys.gallery.findings_page import findings_context
from journeys.gallery.site import Page, Site, SiteModel, SitePlan, findings_page
from journeys.indexer.engine import JourneyEngine
from journeys.indexer.errors import InputError


def rendered_page(report, folder, example=None) -> str:
    """The findings page the site build writes for `report`, rendered by the site's own writer."""
    model = SiteModel.named(report.model.name)
    page = Page("findings.html", findings_page(model), model, findings_context(report, example))
    return Site(folder, SitePlan.for_models([model])).render(page)


@pytest.fixture(scope="module")
def roberta_report(tiny_engines, corpus_file):
    return build_findings(tiny_engines["roberta"], corpus_file, progress=False)


def test_both_methods_side_by_side_for_an_encoder(roberta_report, sentences):
    data = roberta_report.to_dict()
    json.dumps(data, allow_nan=False)
    assert list(data["methods"]) == ["exact", "seed"]
    assert data["method"] == "exact" and data["variant"] == "raw"
    assert data["corpus"]["sentences"] == len(sentences)
    assert sum(data["token_counts"].values()) == data["corpus"]["tokens"]
    assert data["depth"]["matching_layer"] == 1 and data["depth"]["relative_depth"] == [0.0, 0.5, 1.0]
    assert data["is_study_model"] is False and data["control"] is None
    for name, found in data["methods"].items():
        claims = [v["claim"] for v in found["verdicts"]]
        assert claims[:3] == ["1 (rank)", "1 (similarity)", "2"] and "4a" in claims and "4b" in claims
        for verdict in found["verdicts"]:
            assert verdict["outcome"] in (
                "holds",
                "reversed",
                "does not hold",
                "undecided",
                "cannot be judged",
            )
            assert verdict["rule"] and verdict["reason"] and verdict["does_not_show"]
            assert verdict["n_sentences"] <= len(sentences) and verdict["n_tokens"] >= 0
        assert len(found["curves"]["share_displaced"]["content"]) == 3
        assert (found["sensitivity"] != []) == (name == "exact")  # the table is for the chosen method
    labels = [row["label"] for row in data["methods"]["exact"]["sensitivity"]]
    assert labels[0] == "positional variant" and "word-type weighting" in labels


def test_the_precision_row_is_the_claims_decided_again_on_a_bf16_pass(
    roberta_report, family_folders, engine_settings, sentences
):
    """Its outcomes equal the claims decided here from the model's own bf16 analysis of the corpus."""
    rows = {row["label"]: row for row in roberta_report.to_dict()["methods"]["exact"]["sensitivity"]}
    row = rows["bfloat16 instead of float32"]
    assert row["change"] == "the same corpus pass with the model computing in bfloat16"
    reduced = JourneyEngine.load(str(family_folders["roberta"]), settings=engine_settings, dtype="bfloat16")
    analysis = analyze_corpus(reduced, sentences, "exact", progress=False)
    inputs = ClaimInputs.from_analysis(analysis, vocabulary_density(reduced), "raw")
    verdicts = ClaimComputer(inputs, Choices(), SENSITIVITY_RESAMPLES, with_halves=False).study_claims()
    assert row["outcomes"] == {v.claim: v.outcome for v in verdicts}
    main = {v["claim"]: v["outcome"] for v in roberta_report.to_dict()["methods"]["exact"]["verdicts"]}
    assert row["flips"] == [claim for claim, outcome in row["outcomes"].items() if outcome != main[claim]]


def test_a_bf16_model_gets_a_float32_row(family_folders, engine_settings, corpus_file):
    engine = JourneyEngine.load(str(family_folders["gpt2"]), settings=engine_settings, dtype="bfloat16")
    report = build_findings(engine, corpus_file, progress=False).to_dict()
    assert report["model"]["precision"]["dtype"] == "bfloat16"
    labels = [row["label"] for row in report["methods"]["exact"]["sensitivity"]]
    assert "float32 instead of bfloat16" in labels


def test_seed_first_when_asked_and_refused_for_a_decoder(tiny_engines, corpus_file):
    report = build_findings(tiny_engines["bert"], corpus_file, method="seed", progress=False)
    assert list(report.methods) == ["seed", "exact"]
    assert list(build_findings(tiny_engines["gpt2"], corpus_file, progress=False).methods) == ["exact"]
    with pytest.raises(InputError, match="seed"):
        build_findings(tiny_engines["gpt2"], corpus_file, method="seed", progress=False)


def test_summary_text_names_model_and_verdicts(roberta_report):
    text = summary_text(roberta_report)
    assert roberta_report.model.name in text
    assert "== method exact ==" in text and "== method seed ==" in text
    assert "claim 2: " in text and "sentences" in text and "spike from the data" in text
    assert "not the study's roberta-base" in text


def run_findings_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "journeys.cli", "findings", *args], capture_output=True, text=True, timeout=600
    )


def test_cli_json_is_exactly_one_object(tiny_model_folders, corpus_file):
    result = run_findings_cli(
        "--model", str(tiny_model_folders["distilbert"]), "--corpus", str(corpus_file), "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"]["name"] == str(tiny_model_folders["distilbert"])
    assert list(data["methods"]) == ["exact", "seed"]


def test_cli_summary_reports_skipped_lines(tiny_model_folders, corpus_file, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(corpus_file.read_text() + "\n\n" + "x" * 2000 + "\n", encoding="utf-8")
    result = run_findings_cli("--model", str(tiny_model_folders["gpt2"]), "--corpus", str(path))
    assert result.returncode == 0, result.stderr
    assert "claim 2:" in result.stdout and "== method exact ==" in result.stdout
    assert "== method seed ==" not in result.stdout
    assert "blank line; skipped" in result.stderr and "2000 characters" in result.stderr


def test_page_states_model_claims_verdicts_and_ships_its_charts(roberta_report, tmp_path):
    html = rendered_page(roberta_report, tmp_path)
    assert 'src="assets/plotly.min.js"' in html and "cdn" not in html.lower()
    assert "These verdicts are about" in html and "not about the study" in html and "roberta-base" in html
    for found in roberta_report.methods.values():
        for verdict in found.verdicts:
            assert str(escape(verdict.verdict.rule.statement)) in html
            assert str(escape(verdict.verdict.reason)) in html
            assert str(escape(verdict.does_not_show)) in html
    assert 'id="half-split"' in html and 'id="sensitivity"' in html and 'id="spike-from-data"' in html
    figures = json.loads(re.search(r'id="findings-figures">(.*?)</script>', html, re.S).group(1))
    assert set(figures) == {"rank", "similarity", "density", "curves", "spike", "overlap", "cohesion"}
    assert set(figures["rank"]) == {"exact", "seed"}
    assert figures["rank"]["exact"]["layout"]["yaxis"]["type"] == "log"


def test_model_findings_give_the_page_and_the_contextual_index(
    tiny_engines, corpus_file, tmp_path, sentences, findings_settings
):
    engine = tiny_engines["bert"]
    extra = ["A new sentence.", sentences[0]]
    built = build_model_findings(
        engine, corpus_file, extra_sentences=extra, progress=False, settings=findings_settings
    )
    assert built.contextual_folder == contextual_folder(engine, "exact")
    assert built.contextual.sentences == [*sentences, "A new sentence."]
    assert len(list(built.contextual_folder.glob("layer-*.faiss"))) == engine.info.num_layers
    assert built.report.corpus.sentences == built.contextual.sentences
    html = rendered_page(built.report, tmp_path / "site", built.example)
    assert "most frequent content word" in html and "<mark>" in html
    control = built.report.control
    assert control is not None and control.model.name == str(control_folder(engine))
    assert control.model.vocab_size == engine.info.vocab_size and "random weights" in html
    outside = built.report.outside
    assert outside is not None
    assert (
        len(outside.corpus.sentences) + outside.too_long == findings_settings.corpus.outside_corpus_sentences
    )
    assert outside.too_long > 0  # the tiny model takes 64 tokens
    assert "<th>outside corpus, by tag</th>" in html and 'id="outside-corpus"' in html
    assert f"{len(outside.corpus.sentences)} sentences (" in html


def test_a_build_without_the_outside_corpus_packages_says_so(tiny_engines, corpus_file, tmp_path, capfd):
    settings = FindingsSettings(corpus=CorpusSettings(fortunes_dir=tmp_path / "no-fortunes"))
    built = build_model_findings(tiny_engines["gpt2"], corpus_file, progress=False, settings=settings)
    assert built.report.outside is None
    stderr = capfd.readouterr().err
    assert "journeys: warning: the findings go without the outside corpus: Debian's fortunes" in stderr
    html = rendered_page(built.report, tmp_path / "site", built.example)
    assert "This build has no outside corpus" in html and "outside corpus, by tag" not in html


def test_cli_adds_the_outside_corpus_when_asked(
    tiny_model_folders, corpus_file, tiny_engines, findings_settings
):
    result = run_findings_cli(
        "--model", str(tiny_model_folders["bert"]), "--corpus", str(corpus_file), "--outside-corpus", "--json"
    )
    assert result.returncode == 0, result.stderr
    outside = json.loads(result.stdout)["outside"]
    corpus = load_outside_corpus(settings=findings_settings.corpus)  # as the command reads its environment
    engine = tiny_engines["bert"]
    lengths = [len(engine.loaded.tokenizer(text)["input_ids"]) for text in corpus.sentences]
    fitting = [n for n in lengths if n <= engine.info.max_tokens]
    assert outside["available"] == corpus.available
    assert (outside["sentences"], outside["too_long"]) == (len(fitting), len(lengths) - len(fitting))
    assert outside["tokens"] == sum(fitting)
    assert sum(outside["token_counts"].values()) == outside["tokens"]
    assert 0.5 < outside["tag_agreement"] < 1.0
    verdicts = {v["claim"]: v for v in outside["verdicts"]}
    assert 0 < verdicts["2"]["n_sentences"] <= len(corpus.sentences)
    assert outside["sensitivity"] == []  # the table is the main corpus's


def test_cli_refuses_the_outside_corpus_without_its_packages(
    tiny_model_folders, corpus_file, tmp_path, engine_settings
):
    settings = FindingsSettings(corpus=CorpusSettings(fortunes_dir=tmp_path / "no-fortunes"))
    args = [
        "findings",
        "--model",
        str(tiny_model_folders["bert"]),
        "--corpus",
        str(corpus_file),
        "--outside-corpus",
    ]
    with pytest.raises(MissingPackageError) as refused:
        run_findings(build_parser().parse_args(args), engine_settings, settings, read_source(corpus_file))
    assert isinstance(refused.value, USER_ERRORS)  # so `journeys` says it in one line, exit code 2
    message = str(refused.value)
    assert message.startswith("Debian's fortunes package is not installed") and "\n" not in message


def test_a_one_word_corpus_reports_what_it_cannot_test(tiny_engines, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("Bank\n", encoding="utf-8")
    data = build_findings(tiny_engines["bert"], path, progress=False).to_dict()
    json.dumps(data, allow_nan=False)
    assert data["token_counts"]["function"] == 0
    verdicts = {v["claim"]: v for v in data["methods"]["exact"]["verdicts"]}
    assert verdicts["3 (density, per occurrence)"]["outcome"] == "undecided"
    assert verdicts["2"]["n_sentences"] == 1 and "only 1 sentences" in verdicts["2"]["reason"]

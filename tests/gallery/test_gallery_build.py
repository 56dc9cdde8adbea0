"""`journeys build` end to end with tiny real models: pages, offline assets, page data, cache reuse."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from gallery_fixtures import TEST_FINDINGS

from journeys import cli
from journeys.contextual.index import ContextualIndex
from journeys.corpus.reading import read_corpus
from journeys.corpus.settings import CorpusSettings
from journeys.gallery import findings_step
from journeys.gallery.build import build_site
from journeys.gallery.corpus import all_sentences, load_themes
from journeys.gallery.findings_cache import FindingsCache
from journeys.gallery.page_data import decode_page, decode_views
from journeys.gallery.precompute import other_views
from journeys.gallery.settings import GallerySettings
from journeys.gallery.site import SiteModel, findings_page, index_page
from journeys.indexer.journey_cache import JourneyCache
from journeys.indexer.options import METHODS
from journeys.indexer.settings import EngineSettings

pytest_plugins = ["gallery_fixtures"]

EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|@import""", re.I)


class ReferenceParser(HTMLParser):
    """Collects every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.references += [value for name, value in attrs if name in ("src", "href") and value]


def page_data(page: Path, element: str = "journey-data") -> dict:
    html = page.read_text(encoding="utf-8")
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def sentence_pages(site, model_name: str) -> list[Path]:
    slug = SiteModel.named(model_name).slug
    return [
        site.folder / "sentences" / slug / f"{s.slug}.html"
        for s in all_sentences(load_themes(site.sentences))
    ]


def test_every_page_and_asset_is_written(built_site):
    folder = built_site.folder
    decoder = SiteModel.named(built_site.decoder)
    for name in ("index.html", f"index-{decoder.slug}.html", "explore.html"):
        assert (folder / name).is_file(), name
    for asset in (
        "plotly.min.js",
        "journey-view.js",
        "contextual-view.js",
        "sentence-page.js",
        "explore-page.js",
        "site.css",
    ):
        assert (folder / "assets" / asset).stat().st_size > 0, asset
    for model in (built_site.encoder, built_site.decoder):
        pages = sentence_pages(built_site, model)
        assert len(pages) == 3
        assert all(page.is_file() for page in pages)


def test_pages_reference_nothing_outside_the_site(built_site):
    folder = built_site.folder
    ours = [p for p in folder.rglob("*") if p.suffix in (".html", ".css") or p.name.endswith("page.js")]
    ours += [folder / "assets" / "journey-view.js", folder / "assets" / "contextual-view.js"]
    for path in ours:
        assert not EXTERNAL.search(path.read_text(encoding="utf-8")), path
    for page in folder.rglob("*.html"):
        parser = ReferenceParser()
        parser.feed(page.read_text(encoding="utf-8"))
        for reference in parser.references:
            target = reference.split("#")[0]
            if target:
                assert (page.parent / target).resolve().is_file(), f"{page.name} links to missing {reference}"


def test_sentence_pages_carry_the_cached_journeys_and_name_model_and_method(built_site):
    cache = JourneyCache(built_site.cache)
    page = sentence_pages(built_site, built_site.encoder)[0]
    html = page.read_text(encoding="utf-8")
    assert "the exact method" in html and SiteModel.named(built_site.encoder).label in html
    data = page_data(page)
    decoded = decode_page(data)
    assert set(decoded) == set(METHODS)
    for method, journey in decoded.items():
        assert journey.model.precision.dtype == "float32"
        precision = journey.model.precision
        cached = cache.get(
            built_site.encoder, precision, method, data["text"], EngineSettings().default_top_k
        )
        assert journey.variants["raw"].rank == cached.variants["raw"].rank
        assert journey.variants["positional"].rank == cached.variants["positional"].rank


def test_decoder_pages_ship_exact_only_and_say_why(built_site):
    page = sentence_pages(built_site, built_site.decoder)[0]
    data = page_data(page)
    assert list(data["methods"]) == ["exact"]
    assert "encoders in the BERT layout" in data["unavailable"]["seed"]
    assert "unavailable" in page.read_text(encoding="utf-8")


def test_the_model_switcher_links_every_model(built_site):
    encoder, decoder = SiteModel.named(built_site.encoder), SiteModel.named(built_site.decoder)
    index = (built_site.folder / "index.html").read_text(encoding="utf-8")
    assert f'href="index-{decoder.slug}.html"' in index
    page = sentence_pages(built_site, built_site.encoder)[1].read_text(encoding="utf-8")
    assert f'href="../../sentences/{decoder.slug}/' in page
    assert 'aria-current="page">' + encoder.label in page


def test_the_findings_page_is_written_and_linked_from_index_and_sentence_pages(built_site):
    for name in (built_site.encoder, built_site.decoder):
        model = SiteModel.named(name)
        target = findings_page(model)
        findings = (built_site.folder / target).read_text(encoding="utf-8")
        assert "Which of the study's findings hold for" in findings
        assert "<th>outside corpus, by tag</th>" in findings and "sampled from the" in findings
        assert f'<a href="{target}" aria-current="page">Findings</a>' in findings
        index = built_site.folder / index_page(model, SiteModel.named(built_site.encoder))
        assert f'<a href="{target}">Findings</a>' in index.read_text(encoding="utf-8")
        page = sentence_pages(built_site, name)[0].read_text(encoding="utf-8")
        assert f'<a href="../../{target}">Findings</a>' in page
    encoder_findings = (built_site.folder / findings_page(SiteModel.named(built_site.encoder))).read_text()
    assert "<th>seed</th>" in encoder_findings


def test_sentence_pages_ship_the_contextual_index_answer_rounded(built_site, tiny_engines):
    engine = tiny_engines["bert"]
    texts = [s.text for s in all_sentences(load_themes(built_site.sentences))]
    corpus = read_corpus(CorpusSettings().corpus_file, engine).sentences
    index = ContextualIndex.load_or_build(engine, "exact", list(dict.fromkeys([*corpus, *texts])))
    for page, text in zip(sentence_pages(built_site, built_site.encoder), texts, strict=True):
        shipped = page_data(page, "contextual-data")
        expected = index.query(engine, text, k=3, exclude_same_text=True).to_dict()
        shipped_similarities = [
            h.pop("similarity") for t in shipped["neighbours"] for layer in t for h in layer
        ]
        expected_similarities = [
            h.pop("similarity") for t in expected["neighbours"] for layer in t for h in layer
        ]
        assert shipped == expected
        assert shipped_similarities == [round(s, 4) for s in expected_similarities]
        assert all(len(layer) == 3 for token in shipped["neighbours"] for layer in token)


def cache_files(folder: Path) -> dict[str, int]:
    """Every cached file under `folder`, with its modification time: a rewrite changes it."""
    return {str(path): path.stat().st_mtime_ns for path in folder.rglob("*.json")}


def test_an_unchanged_rebuild_uses_only_the_cache(built_site, capsys, monkeypatch):
    cached = cache_files(built_site.cache)
    # 3 sentences: both methods for the encoder, exact only for the decoder, the 3 views beyond the study's
    # for each model (neither has an output head), and what each model offers;
    # 14 pages: per model 3 sentence pages, 1 pair page, an index and findings; the explorer and the
    # comparison of the two models
    # findings for both
    assert len(list(JourneyCache(built_site.cache).folder.iterdir())) == 3 * 2 + 3 + 3 * 3 * 2 + 2
    assert len(list(FindingsCache(built_site.cache).folder.iterdir())) == 2
    built_site.loader.loads.clear()
    monkeypatch.setattr(findings_step, "compute_site_findings", recomputing_is_a_failure)
    built_site.build()
    summary = capsys.readouterr().out.strip().splitlines()
    assert built_site.loader.loads == []  # what each model offers is cached with its journeys
    assert cache_files(built_site.cache) == cached
    assert len(summary) == 1
    assert re.fullmatch(
        r"built 14 pages for 2 models \(tiny-bert\d*, tiny-llama\d*\) in [\d.]+ s; site [\d.]+ MB at .+",
        summary[0],
    )


def recomputing_is_a_failure(*args: object) -> None:
    raise AssertionError("the findings were recomputed although the cache holds them")


def test_an_encoder_only_rebuild_never_loads_a_model(built_site, tmp_path, monkeypatch):
    built_site.loader.loads.clear()
    monkeypatch.setattr(findings_step, "compute_site_findings", recomputing_is_a_failure)
    build_site(
        [built_site.encoder],
        tmp_path / "site",
        built_site.sentences,
        built_site.cache,
        built_site.loader,
        findings_settings=TEST_FINDINGS,
    )
    assert built_site.loader.loads == []
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / findings_page(SiteModel.named(built_site.encoder))).is_file()


def test_a_changed_corpus_recomputes_the_findings(built_site, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(
        CorpusSettings().corpus_file.read_text(encoding="utf-8") + "A new line joins the corpus.\n"
    )
    cached = len(list(FindingsCache(built_site.cache).folder.iterdir()))
    built_site.loader.loads.clear()
    built = build_site(
        [built_site.encoder],
        tmp_path / "site",
        built_site.sentences,
        built_site.cache,
        built_site.loader,
        corpus_path=corpus,
        findings_settings=TEST_FINDINGS,
    )
    assert built_site.loader.loads == [built_site.encoder]
    assert len(list(FindingsCache(built_site.cache).folder.iterdir())) == cached + 1
    assert built.findings[SiteModel.named(built_site.encoder)].contextual


def test_a_model_that_cannot_load_fails_with_one_line_and_leaves_the_site(tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old", encoding="utf-8")
    build = ["build", "--models", str(tmp_path / "no-such-model")]
    assert cli.main(build, {"JOURNEYS_BUILD_DIR": str(tmp_path)}) == 2  # its site: tmp_path / "site"
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("journeys: error:")
    assert (site / "index.html").read_text(encoding="utf-8") == "old"


def test_a_decoder_alone_builds_a_site(built_site, tmp_path):
    built = build_site(
        [built_site.decoder],
        tmp_path / "site",
        built_site.sentences,
        built_site.cache,
        built_site.loader,
        findings_settings=TEST_FINDINGS,
    )
    assert set(built.journeys[SiteModel.named(built_site.decoder)].unavailable) == {"seed"}


def registered(script: Path, registry: str) -> tuple[str, dict]:
    """The file name and data a sidecar script hands to `registry`.register."""
    found = re.fullmatch(
        rf'{registry}\.register\(("[^"]+"), (.*)\);\n', script.read_text(encoding="utf-8"), re.S
    )
    return json.loads(found.group(1)), json.loads(found.group(2))


def test_each_sentence_page_offers_its_other_views_from_a_file_beside_it(built_site, family_engine):
    neighbours = GallerySettings().other_view_neighbours
    for name, family in ((built_site.encoder, "bert"), (built_site.decoder, "llama")):
        engine = family_engine(family)
        for page in sentence_pages(built_site, name):
            offer = page_data(page, "journey-views")
            assert offer == {
                "file": page.with_suffix(".views.js").name,
                "points": list(engine.info.points),
                "references": ["input"],  # neither tiny model has an output head
                "metrics": ["cosine", "euclidean"],
                "neighbours": neighbours,
            }
            file_name, views = registered(page.parent / offer["file"], "JourneyViews")
            assert file_name == offer["file"]
            shipped = page_data(page)
            decoded = decode_views(views, shipped)
            assert list(decoded) == other_views(engine.info)
            for view, journey in decoded.items():
                expected = engine.analyze(shipped["text"], "exact", neighbours, view)
                assert journey.to_dict()["variants"].keys() == expected.to_dict()["variants"].keys()
                for variant, result in expected.variants.items():
                    assert journey.variants[variant].rank == result.rank
                    assert [[[n.id for n in c] for c in r] for r in journey.variants[variant].neighbours] == [
                        [[n.id for n in c] for c in r] for r in result.neighbours
                    ]


def test_pair_pages_point_each_side_at_its_sentence_pages_views_file(built_site):
    slug = SiteModel.named(built_site.encoder).slug
    (pair,) = (built_site.folder / "pairs" / slug).glob("*.html")
    sides = page_data(pair, "pair-data")
    for side in sides:
        views = (pair.parent / side["views"]["file"]).resolve()
        assert views.is_file() and views.name.endswith(".views.js")
        assert (
            views.with_name(views.name.replace(".views.js", ".journey.js"))
            == (pair.parent / side["file"]).resolve()
        )

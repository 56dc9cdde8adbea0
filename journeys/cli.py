"""The `journeys` command: analyze text, build the gallery, compute findings, serve the explorer.

Every refusal is one line on stderr and exit code 2; the subcommands' own modules are imported
only when used, so `journeys analyze` does not load Flask or Plotly, and a refused argument or `--help`
answers before torch loads. The environment is read here, once:
each subcommand is handed the settings `from_environment` makes of it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

from journeys.corpus.corpus_sources import LAYOUTS, read_source
from journeys.corpus.pos_tags import MissingPackageError
from journeys.corpus.settings import CorpusSettings
from journeys.indexer.errors import ENGINE_ERRORS, InputError
from journeys.indexer.journey_csv import journey_csv
from journeys.indexer.options import (
    DTYPE_CHOICES,
    METHODS,
    METRICS,
    POINTS,
    REFERENCES,
    checked_top_k,
    checked_view,
)
from journeys.indexer.rank_table import rank_tables
from journeys.indexer.settings import EngineSettings
from journeys.indexer.text_input import command_line_text

USER_ERRORS = (*ENGINE_ERRORS, MissingPackageError)


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose refusals are one line on stderr with exit code 2, without the usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def add_model_argument(
    parser: argparse.ArgumentParser, settings: EngineSettings, multiple: bool = False
) -> None:
    """--model: a registry name, a local Hugging Face model folder, or a Hub id."""
    names = ", ".join([settings.bundled_model_name, *settings.hub_models])
    parser.add_argument(
        "--model",
        action="append" if multiple else "store",
        default=None if multiple else settings.default_model,
        help=f"registry name ({names}), a local model folder, or a Hub id (owner/name); "
        f"default {settings.default_model}" + (" (repeatable)" if multiple else ""),
    )
    parser.add_argument(
        "--no-causal-mask",
        action="store_true",
        help="run a decoder (gpt2, llama, ...) with its causal mask disabled, as the study proposed",
    )


def add_precision_arguments(parser: argparse.ArgumentParser, default: str | None = "auto") -> None:
    """--device and --dtype: where the model computes and in which precision (`default`: auto; None for
    `serve`, whose settings hold them)."""
    parser.add_argument(
        "--device",
        default=default,
        help="where the model computes: auto (CUDA when torch sees a GPU, else the CPU; default), cpu, cuda, "
        "cuda:N or mps",
    )
    parser.add_argument(
        "--dtype",
        choices=DTYPE_CHOICES,
        default=default,
        help="the precision the model computes in: auto (float32 on the CPU, the checkpoint's own dtype on "
        "a GPU; default), float32, bfloat16 or float16",
    )


def add_offload_arguments(parser: argparse.ArgumentParser) -> None:
    """--offload-folder and --max-memory: a model larger than its device's memory, spread with accelerate."""
    parser.add_argument(
        "--offload-folder",
        metavar="PATH",
        help="spread a model too large for its device over every GPU --device names, then CPU memory, then "
        "disk under PATH; numbers stay exact, only slower (needs the offload extra)",
    )
    parser.add_argument(
        "--max-memory",
        metavar="LIMITS",
        help="with --offload-folder: what the weights may take per device, e.g. cpu=8GiB or "
        "0=20GiB,1=20GiB,cpu=30GiB (default: 90%% of what is free)",
    )


def add_method_argument(parser: argparse.ArgumentParser, settings: EngineSettings) -> None:
    parser.add_argument(
        "--method",
        choices=METHODS,
        default=settings.default_method,
        help="exact: what the model computes (default); seed: the published demo's computation",
    )


def top_k_argument(largest: int) -> Callable[[str], int]:
    """argparse type for --top-k: a whole number from 1 to `largest`."""

    def top_k(value: str) -> int:
        try:
            number: int | str = int(value)
        except ValueError:
            number = value  # refused below as not a whole number
        try:
            return checked_top_k(number, largest, name="the value")
        except InputError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return top_k


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """--ray and --ray-actors: where a corpus pass computes its shards."""
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="compute the corpus pass on Ray: auto (a local cluster over this machine's cores) or a running "
        "cluster's host:port (needs the cluster extra)",
    )
    parser.add_argument(
        "--ray-actors",
        type=positive_count,
        metavar="N",
        help="model copies computing on Ray at once (default: the cluster's CPUs / torch threads, or its "
        "GPUs / --ray-gpus-per-actor)",
    )
    parser.add_argument(
        "--ray-gpus-per-actor",
        type=gpu_share,
        default=0.0,
        metavar="F",
        help="each Ray actor's share of a GPU (0.5: two actors per GPU); above 0 the actors compute on cuda "
        "in --dtype (default 0: on their CPUs)",
    )


def gpu_share(value: str) -> float:
    """argparse type for --ray-gpus-per-actor: a share of one GPU from 0 to 1, or a whole number of GPUs."""
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not (0 <= share <= 1 or (share > 1 and share.is_integer())):
        raise argparse.ArgumentTypeError(
            f"expected a share of a GPU from 0 to 1 or a whole number of GPUs, not {value!r}"
        )
    return share


def positive_count(value: str) -> int:
    """argparse type for a whole number of at least 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return int(value)


def run_analyze(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """`journeys analyze`; torch and the engine load only once the arguments are accepted."""
    from journeys.indexer.engine import JourneyEngine
    from journeys.indexer.offload import offload_option

    text = command_line_text(args.text)
    settings = EngineSettings.from_environment(environ)
    offload = offload_option(args.offload_folder, args.max_memory)
    view = checked_view(args.point, args.metric, args.method, reference=args.reference)
    engine = JourneyEngine.load(
        args.model, not args.no_causal_mask, settings, device=args.device, dtype=args.dtype, offload=offload
    )
    journey = engine.analyze(text, method=args.method, top_k=args.top_k, view=view)
    if args.json:
        json.dump(journey.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.csv:
        sys.stdout.write(journey_csv(journey))
    else:
        print(rank_tables(journey))


def run_build(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """`journeys build`; the site's modules load only for it."""
    from journeys.findings.settings import FindingsSettings
    from journeys.gallery.build import run_build

    run_build(
        args,
        engine_settings=EngineSettings.from_environment(environ),
        findings_settings=FindingsSettings(corpus=CorpusSettings.from_environment(environ)),
    )


def run_findings(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """`journeys findings`; the corpus is read first, so a file it cannot use is refused in a moment, before
    the model and the findings' modules load."""
    source = read_source(args.corpus, args.corpus_layout)
    from journeys.findings.report import run_findings
    from journeys.findings.settings import FindingsSettings

    findings = FindingsSettings(corpus=CorpusSettings.from_environment(environ))
    run_findings(args, EngineSettings.from_environment(environ), findings, source)


def run_server(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """`journeys serve`; Flask loads only for it."""
    from journeys.server.app import run_server
    from journeys.server.settings import ServerSettings

    run_server(args, ServerSettings.from_environment(environ))


def build_parser(settings: EngineSettings | None = None) -> argparse.ArgumentParser:
    """The `journeys` command's parser; its defaults and limits come from `settings` (the defaults when
    None), which need no environment."""
    settings = settings or EngineSettings()
    parser = OneLineErrorParser(prog="journeys", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser("analyze", help="rank every token's own embedding at every layer")
    add_model_argument(analyze, settings)
    analyze.add_argument("--text", required=True, help="the text to analyse; - reads it from standard input")
    add_method_argument(analyze, settings)
    analyze.add_argument(
        "--point",
        choices=POINTS,
        default=settings.default_point,
        help="where each layer's encoding is read: post-attention, the residual right after attention is "
        "added; block-output, the block's output, which the next block receives "
        f"(default {settings.default_point})",
    )
    analyze.add_argument(
        "--metric",
        choices=METRICS,
        default=settings.default_metric,
        help=f"how encodings are compared with the vocabulary rows: cosine similarity or Euclidean distance "
        f"(default {settings.default_metric})",
    )
    analyze.add_argument(
        "--reference",
        choices=REFERENCES,
        default=settings.default_reference,
        help="what encodings are ranked against: input, the input embedding rows; output, the model's output "
        "head through its final norm (the logit lens: rank, logit and probability of each token's own id, "
        f"and of the next token's for decoders), where the checkpoint has one (default "
        f"{settings.default_reference})",
    )
    analyze.add_argument(
        "--top-k",
        type=top_k_argument(settings.max_top_k),
        default=settings.default_top_k,
        help="neighbours listed",
    )
    output = analyze.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    output.add_argument("--csv", action="store_true", help="print CSV: one row per variant, token and layer")
    add_precision_arguments(analyze)
    add_offload_arguments(analyze)
    analyze.set_defaults(handler=run_analyze)

    build = commands.add_parser("build", help="precompute the gallery and render the static site")
    build.add_argument("--models", nargs="+", default=[settings.default_model], help="models to build")
    add_cluster_arguments(build)
    add_precision_arguments(build)
    build.set_defaults(handler=run_build)

    findings = commands.add_parser("findings", help="test the study's claims over a corpus")
    add_model_argument(findings, settings)
    findings.add_argument(
        "--corpus",
        required=True,
        help="a text file (one sentence per line, or running text), a folder of .txt files, or JSONL "
        "with a text field",
    )
    findings.add_argument(
        "--corpus-layout",
        choices=LAYOUTS,
        default="auto",
        help="lines: one sentence per line; running: split running text into sentences; auto (default): "
        "running text when blank lines separate paragraphs whose sentences wrap across lines",
    )
    add_method_argument(findings, settings)
    findings.add_argument("--json", action="store_true", help="print one JSON object")
    findings.add_argument(
        "--control", action="store_true", help="also analyse a random-weights copy of the model (seed 0)"
    )
    findings.add_argument(
        "--outside-corpus",
        action="store_true",
        help=f"also analyse the outside corpus ({CorpusSettings().outside_corpus}: Debian's fortunes, "
        "function words by part-of-speech tag; needs the Debian packages `make install-outside-corpus` "
        "installs)",
    )
    add_cluster_arguments(findings)
    add_precision_arguments(findings)
    add_offload_arguments(findings)
    findings.set_defaults(handler=run_findings)

    serve = commands.add_parser("serve", help="serve the site and the live query API")
    add_model_argument(serve, settings, multiple=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add_precision_arguments(serve, default=None)
    serve.set_defaults(handler=run_server)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the `journeys` command with `argv` (default: the command line) in `environ` (default: this
    process's environment), the one place the environment is read."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args, os.environ if environ is None else environ)
        sys.stdout.flush()  # inside the try, so that a reader who left is handled below
    except USER_ERRORS as error:
        print(f"journeys: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of the output left (`| head`): stop quietly, as `cat` would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail
        return 141  # 128 + SIGPIPE, what a shell reports for a tool that SIGPIPE stopped
    return 0


if __name__ == "__main__":
    sys.exit(main())

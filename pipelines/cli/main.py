"""The `reseau` command (interfaces.md, "Command line")."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from reseau.errors import HomeError, UserError
from reseau.home import Home

EXIT_USER_ERROR = 2
DESCRIPTION = """\
réseau turns the referral exports that social and medico-social services deliver into
indicators of how they work together, per territory and month. An observatory sets up a
home with `reseau init`, receives exports in it, and runs `reseau run` (or lets the Dagster
schedule and sensor run it under `reseau serve`); services prepare their raw exports with
`reseau prepare`. `reseau demo` shows everything on a generated region."""


def _progress(message: str) -> None:
    print(f"reseau: {message}", file=sys.stderr, flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from reseau_synthetic import generate_home

    given = args.home or os.environ.get("RESEAU_HOME")
    if not given:
        raise HomeError("no home folder given: pass --home DIR or set RESEAU_HOME")
    root = Path(given)
    truth = generate_home(root, referrals=args.referrals, months=args.months, seed=args.seed,
                          formats=args.formats, services=args.services, progress=_progress)
    _progress(f"wrote a synthetic region to {root.resolve()} "
              f"({len(truth.get('months', []))} months); ground truth in ground_truth.json")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.cli.runner import parse_month, run_pipeline

    home = Home.open(args.home)
    months = [parse_month(month) for month in args.month] if args.month else None
    return 0 if run_pipeline(home, months, stage=args.stage) else 1


def _print_outputs(home: Home) -> None:
    months = sorted(p.name for p in home.published.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]"))
    last = home.published / (months[-1] if months else "<YYYY-MM>")
    example = next(iter(sorted((last / "rapports").glob("region-*.html"))), last / "rapports")
    print(f"""
réseau demo is ready in {home.root}
  warehouse (analysts, read-only snapshot): {home.published_warehouse}
  pipeline's own warehouse:                 {home.warehouse}
  marts:   marts.territory_indicators, marts.neglected_services, marts.fct_referrals, ...
  files:   marts.load_audit (every file), marts.quarantine (every refused row),
           marts.deliveries (per exporter and month: on time, late, missing);
           unreadable and identifying files moved to {home.rejected}
  staff:   who did not deliver last month by the 5th, whose quarantine rate jumped:
           {home.staff_deliveries_page}
  funders: {home.published}/<YYYY-MM>/ (indicators.parquet, indicateurs_<level>.csv/.xlsx,
           small counts of people suppressed), e.g. {last}
  reports: {home.published}/<YYYY-MM>/rapports/<level>-<code>.html and .pdf, one per
           territory, e.g. {example}
  docs:    every table and column of the warehouse: {home.published / "dbt-docs" / "index.html"}
  checks:  Great Expectations Data Docs in {home.data_docs / "index.html"}
  query:   .venv/bin/python -c "import duckdb; print(duckdb.connect('{home.published_warehouse}', \
read_only=True).sql('from marts.territory_indicators limit 5'))"
  UI:      reseau ui --home {home.root}
""")


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.cli.runner import run_pipeline
    from reseau_synthetic import generate_home

    root = Path(args.home).resolve()
    if not (root / "landing").exists():
        generate_home(root, referrals=args.referrals, seed=args.seed, formats=args.formats,
                      progress=_progress)
    home = Home.open(root)
    # The demo home gets its own pseudonym key, kept beside (not inside) the home.
    key_file = root.parent / f".{root.name}.pseudonym-key"
    if "RESEAU_PSEUDONYM_KEY" not in os.environ:
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32), encoding="utf-8")
            key_file.chmod(0o600)
        os.environ["RESEAU_PSEUDONYM_KEY"] = key_file.read_text(encoding="utf-8").strip()
    if not run_pipeline(home):
        return 1
    _print_outputs(home)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from pipelines.cli.init_home import init_home

    given = args.home or os.environ.get("RESEAU_HOME")
    if not given:
        raise HomeError("no home folder given: pass --home DIR or set RESEAU_HOME")
    root = Path(given).expanduser().resolve()
    created = init_home(root)
    for path in created:
        print(f"  created {path.relative_to(root.parent)}")
    print(f"""réseau home ready in {root}{'' if created else ' (nothing to create)'}
next: put the directory of services in {root / 'reference'} (services.csv or data-inclusion/),
      have services deliver their exports to {root / 'landing' / 'referrals'}/<exporter_id>/,
      then `export RESEAU_PSEUDONYM_KEY=...` and `reseau run --home {root}`;
      {root / 'README.md'} says what goes where.""")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from pipelines.ingest.prepare import prepare_export, read_key

    report = prepare_export(Path(args.source), Path(args.destination),
                            read_key(Path(args.key_file)), software=args.software)
    text = report.text()
    print(text)
    if args.report:
        try:
            Path(args.report).write_text(text + "\n", encoding="utf-8")
        except OSError as problem:
            raise UserError(f"cannot write the report {args.report} "
                            f"({problem.strerror or problem}): choose another --report") from None
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from pipelines.cli.runner import dagster_home

    home = Home.open(args.home)
    if home.notifications is not None:
        home.notifications.password()  # its daemon e-mails failures: the password must be set
    workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
    env = {**os.environ, "RESEAU_HOME": str(home.root), "DAGSTER_HOME": str(dagster_home(home))}
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster) if dagster.exists() else "dagster", "dev", "-w", str(workspace),
               "--host", args.host, "--port", str(args.port)]
    _progress(f"Dagster UI on http://{args.host}:{args.port} for {home.root} (Ctrl-C to stop)")
    return subprocess.call(command, env=env)


def cmd_serve(args: argparse.Namespace) -> int:
    from pipelines.cli.serve import serve

    return serve(Home.open(args.home), args.host, args.port, args.postgres_url)


def _region_options(parser: argparse.ArgumentParser, formats: str) -> None:
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--formats", choices=["canonical", "mixed"], default=formats,
                        help="exports in the contract's CSV, or each exporter in its own "
                             "format and quirks, with broken and identifying files "
                             f"(default: {formats})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reseau", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="lay out an empty home for real deliveries")
    init.add_argument("--home", help="the folder to set up (default: $RESEAU_HOME)")
    init.set_defaults(handler=cmd_init)

    demo = commands.add_parser("demo", help="generate a demo region and run everything on it")
    demo.add_argument("--home", default="demo-home")
    _region_options(demo, formats="mixed")
    demo.set_defaults(handler=cmd_demo)

    generate = commands.add_parser("generate", help="write a synthetic region into a home")
    generate.add_argument("--home")
    generate.add_argument("--months", type=int, default=24)
    generate.add_argument("--services", type=int, metavar="N",
                          help="about how many services the directory lists (default: "
                               "330 to 650, growing with --referrals)")
    _region_options(generate, formats="canonical")
    generate.set_defaults(handler=cmd_generate)

    run = commands.add_parser("run", help="run every asset for some months, in process")
    run.add_argument("--home")
    run.add_argument("--month", nargs="+", metavar="YYYY-MM",
                     help="months to compute (default: every month found in landing)")
    run.add_argument("--stage", choices=["ingest", "dbt", "indicators"],
                     help="run one stage only (benchmarks, debugging): ingest and dbt publish "
                          "nothing; indicators also publishes what rests on them")
    run.set_defaults(handler=cmd_run)

    prepare = commands.add_parser(
        "prepare", help="(for a service) remove names from a raw export before sending it",
        description="Run by a service on its own machine, on a raw export of DORA or les "
                    "emplois de l'inclusion: replaces people and workers by pseudonyms under "
                    "the linkage key shared by the observatory's services, drops names, "
                    "contacts, birth dates and free text, and writes a CSV to deliver.")
    prepare.add_argument("source", metavar="IN", help="the raw export (XLSX, JSON or CSV)")
    prepare.add_argument("destination", metavar="OUT",
                         help="the prepared .csv file, or a folder (created if needed) that "
                              "receives <IN name>.csv")
    prepare.add_argument("--key-file", required=True, metavar="K",
                         help="the linkage key file shared by the observatory's services")
    prepare.add_argument("--software", choices=["auto", "dora", "emplois"], default="auto",
                         help="the software that wrote the export (default: recognised from "
                              "its headers)")
    prepare.add_argument("--report", metavar="FILE",
                         help="also write the report of what was removed to FILE")
    prepare.set_defaults(handler=cmd_prepare)

    ui = commands.add_parser("ui", help="start the Dagster UI for a home")
    ui.add_argument("--home")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(handler=cmd_ui)

    serve = commands.add_parser(
        "serve", help="run the Dagster webserver and daemon for a home, as a service does",
        description="Runs dagster-webserver and dagster-daemon for a home (what systemd starts, "
                    "see docs/operations.md): the schedule and the sensors launch their runs, "
                    "the UI shows them. Stops both on SIGTERM or Ctrl-C; exits non-zero if "
                    "either stops on its own.")
    serve.add_argument("--home")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address of the UI (default 127.0.0.1: reach it through an SSH "
                            "tunnel or an authenticating reverse proxy, never openly)")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--postgres-url", metavar="URL",
                       help="the PostgreSQL database of the Dagster instance (default: "
                            "[orchestration] in reseau.toml, else embedded storage)")
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as error:
        print(f"reseau: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

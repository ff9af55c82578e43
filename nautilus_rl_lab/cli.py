"""`nautilus-rl-lab` command line: `train`, `backtest`, `demo`, `tune`, `mt5-sim`, `mt5 download`,
`live`, `promote`.

argparse with one sub-parser per command; each command is a small function over the library
(`train`, `backtest_agent`, `write_report`, `run_demo`, `tune`). The CLI is the one place that
prints to stdout (where the artefacts are); library code logs. `tune`, `mt5-sim serve` and `live`
bring their own arguments (`nautilus_rl_lab.tuning.cli`, `nautilus_rl_lab.mt5.serve`,
`nautilus_rl_lab.deploy.cli`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec

from nautilus_rl_lab.errors import error_line
from nautilus_rl_lab.validation import check_folder, check_number

VERBOSE_HELP = "log INFO messages; show the traceback of an error"


def _train(args: argparse.Namespace) -> int:
    from nautilus_rl_lab.training import TrainConfig, train

    config = TrainConfig.from_file(args.config)
    if args.progress is not None:
        config = msgspec.structs.replace(config, progress_bar=args.progress)
    result = train(config, resume=args.resume, allow_fresh_start=args.allow_fresh_start)
    print(f"trained {result.num_timesteps} timesteps in {result.wall_time:.1f}s")
    if result.resumed_from is not None:
        print(f"resumed from the checkpoint at {result.resumed_from} timesteps")
    elif args.resume:
        print(f"no checkpoint resumed: started from step 0 in {result.run_dir}")
    print(f"final agent: {result.final_agent}")
    if result.best_agent is not None:
        print(f"best agent:  {result.best_agent}")
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from nautilus_rl_lab.data.splits import narrow
    from nautilus_rl_lab.evaluation import backtest_agent
    from nautilus_rl_lab.reports.tearsheet import write_report
    from nautilus_rl_lab.training import TrainConfig

    check_number("--n-random", args.n_random, 0, integer=True)
    out = check_folder("--out", args.out or Path(args.agent).parent / "backtest")
    config = TrainConfig.from_file(args.config)
    env = config.range_env(args.range)
    if args.start or args.end:
        env = msgspec.structs.replace(env, data=narrow(env.data, args.range, args.start, args.end))
    evaluation = backtest_agent(
        args.agent, env, role=args.range, n_random=args.n_random, rule=args.rule
    )
    report = write_report(evaluation, out, tearsheet=not args.no_tearsheet)
    print(evaluation.range.label)
    print(evaluation.stats.round(3).to_string())
    print(f"report: {report.directory}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from nautilus_rl_lab.training.demo import run_demo

    result = run_demo(check_folder("--runs", args.runs), fast=True if args.fast else None)
    print(result.evaluation.stats.round(3).to_string())
    print(f"run folder:  {result.run_dir}")
    print(f"tear sheet:  {result.report.tearsheet}")
    print(f"figures:     {result.report.equity}, {result.report.drawdown}, {result.report.trades}")
    print(f"wall time:   {result.wall_time:.1f}s")
    return 0


def _add_mt5_commands(
    commands: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    from nautilus_rl_lab.mt5.serve import add_serve_arguments, run_serve

    mt5 = commands.add_parser("mt5-sim", help="MetaTrader 5 terminal simulator")
    mt5_commands = mt5.add_subparsers(dest="mt5_command", required=True)
    serve = mt5_commands.add_parser(
        "serve", help="serve the simulator over RPyC on 127.0.0.1", parents=parents
    )
    add_serve_arguments(serve)
    serve.set_defaults(handler=run_serve)

    from nautilus_rl_lab.adapters.metatrader5.download import add_download_arguments, run_download

    history = commands.add_parser("mt5", help="MetaTrader 5 history")
    history_commands = history.add_subparsers(dest="mt5_history_command", required=True)
    download = history_commands.add_parser("download", help="bars of MT5 symbols into a catalog")
    add_download_arguments(download)
    download.set_defaults(handler=run_download)


def _add_tune_command(
    commands: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    from nautilus_rl_lab.tuning.cli import add_tune_arguments, run_tune

    tune = commands.add_parser(
        "tune", help="Optuna study from a TuneConfig/RuleTuneConfig file", parents=parents
    )
    add_tune_arguments(tune)
    tune.set_defaults(handler=run_tune)


def _add_live_command(
    commands: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
) -> None:
    from nautilus_rl_lab.deploy import cli as deploy_cli

    live = commands.add_parser(
        "live", help="unattended live session (or `live kill|resume --run-dir`)", parents=parents
    )
    deploy_cli.add_live_arguments(live)
    live.set_defaults(handler=deploy_cli.run_live_command)
    promote = commands.add_parser(
        "promote", help="champion/challenger promotion into a model registry", parents=parents
    )
    deploy_cli.add_promote_arguments(promote)
    promote.set_defaults(handler=deploy_cli.run_promote_command)


def build_parser() -> argparse.ArgumentParser:
    """The `nautilus-rl-lab` argument parser."""
    parser = argparse.ArgumentParser(prog="nautilus-rl-lab", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True)
    # `-v` after the command too; SUPPRESS keeps a sub-parser from resetting the top-level flag
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
    )

    train = commands.add_parser(
        "train", help="train an agent from a YAML/JSON TrainConfig", parents=[verbose]
    )
    train.add_argument("--config", required=True, help="TrainConfig file (.yaml, .yml or .json)")
    train.add_argument("--resume", action="store_true", help="continue from the latest checkpoint")
    train.add_argument(
        "--allow-fresh-start",
        action="store_true",
        help="with --resume: start from step 0 if no checkpoint is complete (else an error)",
    )
    progress = train.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None)
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    train.set_defaults(handler=_train)

    backtest = commands.add_parser(
        "backtest", help="backtest a saved agent against baselines", parents=[verbose]
    )
    backtest.add_argument("--agent", required=True, help="saved agent directory (e.g. RUN/best)")
    backtest.add_argument(
        "--config", required=True, help="the TrainConfig the agent was trained with"
    )
    backtest.add_argument(
        "--range",
        choices=("test", "validation", "train"),
        default="test",
        help="the config's range to report on: test (default, `test_data`), validation "
        "(`eval_data`: it chose best/, so it flatters the agent) or train (`env.data`)",
    )
    backtest.add_argument("--start", help="first bar (UTC date) within the range")
    backtest.add_argument("--end", help="end (exclusive, UTC date) within the range")
    backtest.add_argument("--n-random", type=int, default=5, help="random agents to average")
    backtest.add_argument(
        "--rule", default="bollinger", help="rule baseline: bollinger or ema_cross"
    )
    backtest.add_argument("--out", help="report folder (default: next to the agent)")
    backtest.add_argument("--no-tearsheet", action="store_true", help="skip the quantstats HTML")
    backtest.set_defaults(handler=_backtest)

    demo = commands.add_parser(
        "demo", help="train PPO on the sample, backtest, write a report", parents=[verbose]
    )
    demo.add_argument("--runs", default="runs", help="parent folder of the run folder")
    demo.add_argument("--fast", action="store_true", help="tiny budgets (same as NRL_FAST=1)")
    demo.set_defaults(handler=_demo)

    _add_tune_command(commands, [verbose])
    _add_mt5_commands(commands, [verbose])
    _add_live_command(commands, [verbose])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `nautilus-rl-lab` and `python -m nautilus_rl_lab.cli`.

    An error ends the command with one line on stderr: exit status 2 for bad input (an error
    the library detects, an `OSError` about a path or address given), 1 for anything else
    (see `errors.error_line`), 130 for Ctrl-C. `--verbose` shows the traceback instead.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "demo" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        if args.verbose:
            raise
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if args.verbose:
            raise
        line, status = error_line(e)
        print(f"{parser.prog} {args.command}: error: {line}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())

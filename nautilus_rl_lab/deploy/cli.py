"""`nautilus-rl-lab live` (run, halt or resume a session) and `promote` (champion/challenger).

- `live --config live.yaml` runs `run_live` until SIGINT/SIGTERM (exit 0).
- `live kill --run-dir RUN [--reason TEXT] [--wait SECS]` sets the kill switch (`halt.json`;
  a directory holding no session is refused): the running node halts, cancels and flattens;
  a restarted one starts halted. It exits 0 once the node acknowledged the halt (its
  `node.json`), 1 if no running node did within `--wait` seconds (the flag stays set).
- `live resume --run-dir RUN` releases it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.validation import check_folder

ACTIONS = ("run", "kill", "resume")


def add_live_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `live` (the action defaults to `run`)."""
    parser.add_argument("action", nargs="?", default="run", choices=ACTIONS)
    parser.add_argument("--config", help="LiveRunConfig file (.yaml/.json), for `run`")
    parser.add_argument("--run-dir", help="the session's run directory, for `kill`/`resume`")
    parser.add_argument("--reason", default="operator request (CLI)", help="why, for `kill`")
    parser.add_argument(
        "--wait", type=float, default=15.0, help="seconds `kill` waits for the node to confirm"
    )
    return parser


def run_live_command(args: argparse.Namespace) -> int:
    """Dispatch `live [run|kill|resume]`."""
    if args.action == "run":
        if not args.config:
            raise ConfigError("`--config` is required: nautilus-rl-lab live --config live.yaml")
        from nautilus_rl_lab.deploy.session import LiveRunConfig, run_live

        return run_live(LiveRunConfig.from_file(args.config))
    if not args.run_dir:
        raise ConfigError(f"`--run-dir` is required for `live {args.action}`")
    from nautilus_rl_lab.monitoring.killswitch import request_halt, resume, wait_for_ack

    check_folder("--run-dir", args.run_dir)
    if args.action == "resume":
        resume(args.run_dir)
        print(f"resumed {args.run_dir}")
        return 0
    flag = request_halt(args.run_dir, args.reason, source="cli")
    print(f"halt requested for {args.run_dir}: {flag['reason']}")
    state = wait_for_ack(args.run_dir, flag, args.wait)
    if state is None:
        print(
            f"no running node acknowledged the halt within {args.wait:g}s: the flag stays set "
            "and a node started on this run directory starts halted",
            file=sys.stderr,
        )
        return 1
    print(f"node pid {state['pid']} acknowledged the halt: trading {state['trading_state']}")
    return 0


def add_promote_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `promote` (champion/challenger on a TrainConfig's test range)."""
    parser.add_argument("--registry", required=True, help="model registry folder")
    parser.add_argument("--config", required=True, help="TrainConfig whose `test_data` decides")
    parser.add_argument("--challenger", help="a saved agent/bundle; without it: train one first")
    parser.add_argument("--margin", type=float, default=0.0, help="Sharpe margin per bar")
    parser.add_argument("--min-psr", type=float, default=0.95, help="probabilistic Sharpe ratio")
    return parser


def run_promote_command(args: argparse.Namespace) -> int:
    """`promote`: evaluate, decide, record; print the decision."""
    from nautilus_rl_lab.config import decode_config
    from nautilus_rl_lab.deploy.promote import PromotionRule, promote, retrain_and_promote
    from nautilus_rl_lab.training import TrainConfig

    check_folder("--registry", args.registry)  # before the evaluation, not after it
    if args.challenger is not None and not Path(args.challenger).exists():
        raise ConfigError(f"`--challenger` {args.challenger!r} does not exist")
    config = TrainConfig.from_file(args.config)
    rule = decode_config(PromotionRule, {"margin": args.margin, "min_psr": args.min_psr})
    if args.challenger is None:
        record = retrain_and_promote(args.registry, config, rule)
    else:
        if config.test_env is None:
            raise ConfigError(f"`test_data` is missing in {args.config}: it decides the promotion")
        record = promote(args.registry, args.challenger, config.test_env, rule)
    print(f"version {record['version']}: {record['decision']} ({record['reason']})")
    return 0

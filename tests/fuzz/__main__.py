"""``python -m fuzz`` (run from ``tests/``; ``./dev fuzz`` does that): a fuzzing campaign."""

from __future__ import annotations

import argparse
import os
import sys

from .campaign import Report, dump, run_campaign
from .differential import node_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev fuzz",
        description="Differential fuzzing against Node 20: generated handlers, seven envelopes "
        "each, every difference minimised and grouped by root cause.",
    )
    parser.add_argument("--seed", type=int, default=1, help="campaign seed (default 1)")
    parser.add_argument(
        "--programs", type=int, default=1000, help="programs to generate (default 1000)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: one per core)",
    )
    parser.add_argument("--no-minimise", action="store_true", help="report whole programs, faster")
    parser.add_argument("--out", metavar="FILE", help="also write the report as JSON to FILE")
    args = parser.parse_args(argv)
    if node_path() is None:
        print(
            "./dev fuzz: node is not on PATH; install Node 20, the fuzzer's oracle", file=sys.stderr
        )
        return 2
    if args.programs < 1 or args.jobs < 1:
        print("./dev fuzz: --programs and --jobs must be at least 1", file=sys.stderr)
        return 2

    def progress(r: Report) -> None:
        print(
            f"  {r.programs:,} programs, {r.differing_runs:,} differing runs, {r.seconds:.0f} s",
            file=sys.stderr,
        )

    report = run_campaign(
        args.seed, args.programs, args.jobs, minimize=not args.no_minimise, progress=progress
    )
    print(report.summary())
    if args.out:
        dump(report, args.out)
    return 1 if report.groups else 0


if __name__ == "__main__":
    sys.exit(main())

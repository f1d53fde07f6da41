"""`gitannot qa`: annotator agreement on overlapping tasks and review pass rates."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gitannot.constants import EXIT_OK
from gitannot.errors import UsageError
from gitannot.gitio import repo as gitrepo
from gitannot.workflow import client, qa
from gitannot.workflow.agreement import DEFAULT_IOU
from gitannot.workflow.localtasks import read_tasks

NAME = "qa"
HELP = "agreement between overlapping annotators (F1/IoU, Krippendorff's alpha), pass rates"
METRICS_DIR = "reviews/metrics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", action="append", default=[], help="only this task (repeat)")
    parser.add_argument("--remote", default="origin", help="whose annotate/* branches to read")
    parser.add_argument("--iou", type=float, default=DEFAULT_IOU, help="match threshold")
    parser.add_argument("--write", action="store_true", help=f"write {METRICS_DIR}/*.json")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    repo = gitrepo.discover(".")
    root = Path(repo.workdir or ".")
    client.fetch_reviews(root, args.remote)  # best effort: offline, local copies count
    every = read_tasks(root).tasks
    tasks = [t for t in every if t.overlap > 1]
    if args.task:
        unknown = sorted(set(args.task) - {t.id for t in tasks})
        if unknown:
            raise UsageError(f"no task with overlap > 1 named {', '.join(unknown)}")
        tasks = [t for t in tasks if t.id in args.task]
    reports = {t.id: qa.task_report(repo, t, args.remote, args.iou) for t in tasks}
    rates = qa.pass_rates(repo, every)
    if args.write:
        folder = root / METRICS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for task_id, report in reports.items():
            _dump(folder / f"agreement-{task_id}.json", report)
        _dump(folder / "pass-rates.json", rates)
    if args.json:
        sys.stdout.write(json.dumps({"agreement": reports, "pass_rates": rates}, indent=2) + "\n")
        return EXIT_OK
    for task_id, report in reports.items():
        print(f"task {task_id} (overlap {report['overlap']}, IoU >= {report['iou_threshold']})")
        for branch in report["missing_branches"]:
            print(f"  missing branch {branch}")
        for pair in report["pairs"]:
            a, b = pair["annotators"]
            print(
                f"  {a} vs {b}: matched {pair['matched']} of {pair['shapes']}, "
                f"F1 {_num(pair['f1'])}, mean IoU {_num(pair['mean_iou'])}, "
                f"alpha {_num(pair['alpha'])}"
            )
    for user, rate in rates.items():
        print(
            f"{user}: {rate['approved']}/{rate['reviews']} reviews approved "
            f"({rate['pass_rate']:.0%})"
        )
    return EXIT_OK


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")

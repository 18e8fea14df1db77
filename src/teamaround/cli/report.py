"""The replay report as a person reads it in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from teamaround.scenarios.runner import ReplayReport


def print_report(report: ReplayReport, console: Console) -> None:
    console.print(f"[bold]{escape(report.scenario)}[/]: {escape(report.title)}")
    for step in report.steps:
        mark = "[green]PASS[/]" if step.ok else "[red]FAIL[/]"
        console.print(
            f"{mark} {step.id} {step.action} by {step.by} at {step.at} (line {step.line})",
            highlight=False,
        )
        if step.error:
            console.print(f"     [red]{escape(step.error)}[/]", highlight=False)
        elif step.outcome:
            console.print(f"     {escape(step.outcome)}", highlight=False)
        for check in step.checks:
            sign = "[green]ok[/]" if check.ok else "[red]x[/]"
            console.print(f"     {sign} expected: {escape(check.what)}", highlight=False)
            console.print(f"          happened: {escape(check.happened)}", highlight=False)
    passed = sum(s.ok for s in report.steps)
    failed = len(report.steps) - passed
    console.print(
        f"{passed} passed, {failed} failed ({len(report.steps)} steps in {report.seconds:.2f} s)",
        highlight=False,
    )

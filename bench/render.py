"""Render time per leaflet, HTML + PDF in memory, for the project's real leaflets.

Usage: .venv/bin/python bench/render.py [repeats]
Prints the median seconds per (locale, drug) and each leaflet's time relative to the fastest, so
runs on different machines compare by ratio. The first render pays for font loading and is reported
separately.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from leaflets.build import render_leaflets
from leaflets.config import load_project
from leaflets.facts import load_facts
from leaflets.readiness import Job, translators_for, ui_strings


def main(repeats: int = 3) -> None:
    project = load_project(Path(__file__).resolve().parent.parent)
    facts = load_facts(project)
    jobs = [Job(d, loc) for d in sorted(facts.drugs) for loc in project.locales]
    verdicts = translators_for(project, facts, jobs, ui_strings(project, facts))
    ready = {job: t for job, t in verdicts.items() if not isinstance(t, list)}
    first = next(iter(ready))
    started = time.perf_counter()
    render_leaflets(project, facts, {first: ready[first]})
    print(f"first render (imports, fonts): {time.perf_counter() - started:.2f} s")
    medians = {}
    for job, translate in ready.items():
        times = [render_leaflets(project, facts, {job: translate})[0].seconds for _ in range(repeats)]
        medians[job] = statistics.median(times)
    fastest = min(medians.values())
    for job, seconds in medians.items():
        print(f"{job.locale:6} {job.drug:22} {seconds:6.2f} s  x{seconds / fastest:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

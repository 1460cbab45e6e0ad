"""The ``leaflets`` command: a thin click layer over plain functions.

Each command parses its options, imports its module lazily (so ``--help`` and ``check`` stay instant) and
calls one function. ``main(argv)`` returns the exit code instead of exiting, so tests call it directly.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from leaflets.config import VARIANTS, Project, load_project


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leaflets", prog_name="leaflets")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Project root (the folder with leaflets.toml).")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path, quiet: bool) -> None:
    """Turn verified medical facts into printable, translated patient leaflets."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s", force=True)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # "Step 2 - ..." lines are not ours
    ctx.obj = project_dir


def _project(ctx: click.Context) -> Project:
    return load_project(ctx.obj)


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every fact file (schema, ids, seed quotes, references)."""
    from leaflets.facts import load_facts

    facts = load_facts(_project(ctx))
    count = len(facts.all_facts())
    verified = sum(f.verified for f in facts.all_facts())
    click.echo(f"ok: {len(facts.drugs)} drug file(s), {count} records ({verified} verified, "
               f"{count - verified} rejected)")


@cli.command()
@click.option("--drug", "drugs", multiple=True, help="Build only this drug (repeatable).")
@click.option("--locale", "locales", multiple=True, help="Build only this locale (repeatable).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: build/ in the project].")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if any selected leaflet is blocked.")
@click.option("--draft", is_flag=True,
              help="For translators: print incomplete translations (English fills the gaps) into "
                   "<out>/draft/, watermarked DRAFT. Never for patients.")
@click.option("--variant", "variants", multiple=True, type=click.Choice(VARIANTS),
              help="Build only this print variant (repeatable) [default: [print] variants in leaflets.toml].")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Leaflets rendered at the same time [default: one per core].")
@click.option("--clinic-name", default=None, help="Clinic name for the clinic box [default: [clinic] name].")
@click.option("--clinic-phone", default=None, help="Clinic phone for the clinic box [default: [clinic] phone].")
@click.option("--clinic-note", default=None, help="A short note for the clinic box [default: [clinic] note].")
@click.option("--base-url", default=None,
              help="Where the HTML is published; prints a QR code to it [default: [print] base_url].")
@click.option("--force", is_flag=True, help="Print every leaflet again, even those whose inputs did not change.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Print on a Dask cluster, e.g. tcp://host:8786 (needs the 'cluster' extra; docs/cluster.md).")
@click.pass_context
def build(ctx: click.Context, drugs: tuple[str, ...], locales: tuple[str, ...], out_dir: Path | None,
          strict: bool, draft: bool, variants: tuple[str, ...], jobs: int | None, clinic_name: str | None,
          clinic_phone: str | None, clinic_note: str | None, base_url: str | None, force: bool,
          scheduler: str | None) -> None:
    """Build leaflets into build/<locale>/<drug>.html and one PDF per variant (<drug>.pdf for A4,
    .letter.pdf, .large.pdf), plus manifest.json and index.html."""
    from leaflets.build import build as run_build
    from leaflets.errors import LeafletError

    project = _project(ctx).with_options(
        list(variants), {"name": clinic_name, "phone": clinic_phone, "note": clinic_note}, base_url)
    report = run_build(project, out_dir or project.root / "build", list(drugs) or None, list(locales) or None,
                       strict=strict, draft=draft, workers=jobs, force=force, scheduler=scheduler)
    for job, problems in report.skipped.items():
        click.echo(f"skipped {job.locale}/{job.drug}: not written because:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    for failure in report.failures:
        click.echo(f"failed: {failure}", err=True)
    if report.skipped or report.failures:
        raise LeafletError(f"{len(report.skipped)} leaflet(s) not written, {len(report.failures)} output "
                           "problem(s); fix the problems above")


@cli.group()
def i18n() -> None:
    """Manage the translation catalogs (translations/<locale>/LC_MESSAGES/leaflets.po)."""


@i18n.command()
@click.pass_context
def update(ctx: click.Context) -> None:
    """Extract English strings into leaflets.pot and merge them into every locale's .po."""
    from leaflets.catalog import update_catalogs
    from leaflets.facts import load_facts

    project = _project(ctx)
    for path in update_catalogs(project, load_facts(project)):
        click.echo(f"wrote {path.relative_to(project.root)}")


@i18n.command()
@click.option("--locale", required=True, help="Locale code to add, like 'es', 'fr', 'ru', 'ar' or 'pt_BR'.")
@click.pass_context
def init(ctx: click.Context, locale: str) -> None:
    """Start a new language: its catalog, an empty glossary, and the locale in leaflets.toml."""
    from leaflets.catalog import init_catalog
    from leaflets.facts import load_facts

    project = _project(ctx)
    for path in init_catalog(project, load_facts(project), locale):
        click.echo(f"wrote {path.relative_to(project.root)}")


@i18n.command()
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--strict", is_flag=True, help="Exit 1 unless every leaflet in every locale is releasable.")
@click.pass_context
def status(ctx: click.Context, locales: tuple[str, ...], strict: bool) -> None:
    """Matrix of leaflets by locale: strings ready, fuzzy, untranslated and blocked by a check."""
    from leaflets.errors import LeafletError
    from leaflets.readiness import status_table, translation_status

    project = _project(ctx)
    project.check_selection([], list(locales))
    statuses = translation_status(project, list(locales) or None)
    click.echo(status_table(statuses))
    waiting = [f"{s.locale}/{s.drug}" for s in statuses if not s.releasable]
    if strict and waiting:
        raise LeafletError(f"--strict: {len(waiting)} leaflet(s) not releasable: {', '.join(waiting)}")


@i18n.command(name="check")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.pass_context
def check_translations(ctx: click.Context, locales: tuple[str, ...]) -> None:
    """Every translation finding as file:line: [check] message; exit 1 if there is any."""
    from leaflets.errors import LeafletError
    from leaflets.readiness import translation_status

    project = _project(ctx)
    project.check_selection([], list(locales))
    findings = dict.fromkeys(str(p) for s in translation_status(project, list(locales) or None) for p in s.problems)
    for line in findings:
        click.echo(line)
    if findings:
        raise LeafletError(f"{len(findings)} translation finding(s)")
    click.echo("ok: no findings", err=True)


@cli.command()
@click.option("--drug", required=True, help="The medicine, e.g. ruxolitinib-cream.")
@click.option("--locale", required=True, help="The translation to proof, e.g. fr.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [default: build/proof/ in the project].")
@click.pass_context
def proof(ctx: click.Context, drug: str, locale: str, out_dir: Path | None) -> None:
    """Write a bilingual proof PDF (English and translation side by side, findings highlighted)."""
    from leaflets.proof import write_proof

    project = _project(ctx)
    path = write_proof(project, drug, locale, out_dir or project.root / "build" / "proof")
    click.echo(f"wrote {path}")


@cli.group()
def facts() -> None:
    """Review the fact base: the claims report and facts due for re-review."""


@facts.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: build/report/ in the project].")
@click.pass_context
def report(ctx: click.Context, out_dir: Path | None) -> None:
    """Write claims.md and claims.html: every seed claim, its verdict, reason and references."""
    from leaflets.facts import load_facts
    from leaflets.report import claims_report, write_reports

    project = _project(ctx)
    claims = claims_report(project, load_facts(project))
    for path in write_reports(claims, out_dir or project.root / "build" / "report"):
        click.echo(f"wrote {path}")
    for document, found in claims.tally.items():
        click.echo(f"{document}: " + ", ".join(f"{v} {n}" for v, n in found.items()))


@facts.command()
@click.option("--strict", is_flag=True, help="Exit 1 if any leaflet is above the target grade.")
@click.pass_context
def readability(ctx: click.Context, strict: bool) -> None:
    """Reading grade, longest sentences and unexplained technical words of each English leaflet."""
    from leaflets.errors import LeafletError
    from leaflets.facts import load_facts
    from leaflets.readability import TARGET_GRADE, render_report, report

    results = report(load_facts(_project(ctx)))
    click.echo(render_report(results), nl=False)
    above = [r.drug for r in results if not r.on_target]
    if strict and above:
        raise LeafletError(f"above grade {TARGET_GRADE:g}: {', '.join(above)}; shorten sentences and explain "
                           "technical words")


@facts.command()
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="List facts last checked before this date (YYYY-MM-DD).")
@click.pass_context
def due(ctx: click.Context, before) -> None:  # noqa: ANN001 - click passes a datetime
    """List facts due for re-review, oldest first, as file:line: id (checked DATE)."""
    from leaflets.facts import load_facts
    from leaflets.report import due as facts_due

    project = _project(ctx)
    found = facts_due(load_facts(project), before.date())
    for fact in found:
        click.echo(f"{fact.path.relative_to(project.root)}:{fact.line}: {fact.id} ({fact.status}, checked "
                   f"{fact.checked.isoformat()})")
    click.echo(f"{len(found)} fact(s) due for re-review before {before.date().isoformat()}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (1 for user errors, 2 for usage errors)."""
    try:
        cli.main(args=argv, prog_name="leaflets", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except OSError as exc:  # a disk or permission problem no stage anticipated: still one clear line
        from leaflets.files import describe_os_error

        click.echo(f"error: {describe_os_error(exc)}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

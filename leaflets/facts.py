"""Load the fact files and check every rule in docs/facts.md.

The seed documents are untrusted, so a fact is printable only when it is ``verified``, cites a reference
with a URL, and (if it claims to come from a seed) quotes the seed verbatim. Everything wrong in all files
is collected and reported at once, each problem with its file and line.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT

from leaflets.config import NAME, Project
from leaflets.errors import FactsError, Problem, raise_if
from leaflets.text import text_problem
from leaflets.yamlfile import LineDict, NotUtf8Error, load_yaml, read_utf8

#: Leaflet sections in print order; ``boxed-warning`` is the callout above the six EU leaflet parts.
SECTIONS: tuple[str, ...] = (
    "boxed-warning",
    "what-it-is",
    "before-use",
    "how-to-use",
    "side-effects",
    "storage",
    "other-information",
)
#: Topics every drug leaflet must carry, even when the seeds leave them out.
REQUIRED_TOPICS: tuple[str, ...] = ("boxed-warning", "contraindication", "pregnancy", "breastfeeding", "licence")
TOPICS: frozenset[str] = frozenset(
    REQUIRED_TOPICS
    + ("use", "off-label", "warning", "children", "interaction", "driving", "excipients", "dose", "overdose",
       "missed-dose", "stopping", "effect-time", "urgent-side-effect", "serious-side-effect",
       "common-side-effect", "see-doctor", "storage", "pack", "vitiligo")
)
STATUSES = ("verified", "rejected")

_ID = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
_FACT_KEYS = frozenset(
    {"id", "section", "topic", "text", "status", "evidence", "origin", "references", "checked", "reason",
     "corrected_by"}
)
#: Keys whose text is printed, so invisible or direction characters in them are refused.
_PRINTED_KEYS = frozenset({"text", "title"})
#: Message contexts that are not fact ids: template strings and leaflet titles (see catalog.py).
UI_PREFIX = "ui."
TITLE_SUFFIX = ".title"
_DRUG_KEYS = frozenset({"drug", "title", "names", "version", "reviewed", "shared", "facts"})
_SHARED_KEYS = frozenset({"topic", "facts"})


@dataclass(frozen=True)
class Evidence:
    """Where a seed document made the claim."""

    document: str
    quote: str


@dataclass(frozen=True)
class Reference:
    """A document we read to check a fact."""

    title: str
    url: str


@dataclass(frozen=True)
class Fact:
    """One statement, verified (printable) or rejected (kept for the audit trail)."""

    id: str
    status: str
    section: str | None
    text: str | None
    topic: str | None
    evidence: tuple[Evidence, ...]
    references: tuple[Reference, ...]
    checked: dt.date | None
    reason: str | None
    corrected_by: str | None
    origin: str | None
    path: Path
    line: int

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class Drug:
    """A drug file: leaflet metadata plus its facts."""

    key: str
    title: str
    names: dict[str, object]
    version: int
    reviewed: dt.date
    shared: tuple[str, ...]
    facts: tuple[Fact, ...]
    path: Path


@dataclass
class FactBase:
    """All fact files of a project, validated."""

    drugs: dict[str, Drug]
    shared: tuple[Fact, ...]
    by_id: dict[str, Fact] = field(default_factory=dict)
    #: Drugs left out of a partial load because their own file has problems (see ``load_facts``).
    blocked: dict[str, list[Problem]] = field(default_factory=dict)

    def all_facts(self) -> list[Fact]:
        facts = list(self.shared)
        for drug in self.drugs.values():
            facts.extend(drug.facts)
        return facts

    def leaflet_facts(self, drug: str) -> list[Fact]:
        """The verified facts a drug's leaflet prints, in section order; within a section the drug's own
        facts come first, in file order, then the shared facts about vitiligo."""
        entry = self.drugs[drug]
        chosen = [f for f in entry.facts if f.verified] + [self.by_id[i] for i in entry.shared]
        return sorted(chosen, key=lambda f: SECTIONS.index(f.section or "other-information"))


def reserved_id(fact_id: str) -> str | None:
    """Why ``fact_id`` would collide with a template string or a title in the catalogs, or None.

    Facts, template strings (``ui.*``) and titles (``<drug>.title``) share one catalog, keyed by context;
    a fact called ``ui.disclaimer`` would replace the disclaimer, so these names are kept apart here.
    """
    if fact_id.startswith(UI_PREFIX):
        return f"starts with {UI_PREFIX!r}, which is reserved for template strings"
    if fact_id.endswith(TITLE_SUFFIX):
        return f"ends with {TITLE_SUFFIX!r}, which is reserved for leaflet titles"
    return None


class _Checker:
    """Collects problems while converting raw YAML into dataclasses."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.problems: list[Problem] = []
        self._documents: dict[str, str] = {}
        self._names: list[str] | None = None
        self._unreadable: dict[str, str] = {}

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self._rel(path), line, message))

    def _rel(self, path: Path) -> Path:
        try:
            return path.relative_to(self.project.root)
        except ValueError:
            return path

    def document_names(self) -> list[str]:
        """Seed documents by file name; evidence may cite only these (never a path like ../../etc/passwd)."""
        if self._names is None:
            folder = self.project.documents_dir
            self._names = sorted(p.name for p in folder.glob("*.txt") if p.is_file()) if folder.is_dir() else []
        return self._names

    def document_text(self, name: str) -> str | None:
        """The text of a seed document, or None when it is not one (a problem is recorded if unreadable)."""
        if name not in self.document_names():
            return None
        if name not in self._documents:
            path = self.project.documents_dir / name
            try:
                self._documents[name] = read_utf8(path)
            except NotUtf8Error as exc:
                self._unreadable[name] = f"{exc}; restore it from ../shared/seeds/ (seeds stay byte-identical)"
                self._documents[name] = ""
            except OSError as exc:
                self._unreadable[name] = f"cannot be read ({exc.strerror})"
                self._documents[name] = ""
        return self._documents[name]

    def unknown_keys(self, path: Path, data: LineDict, allowed: frozenset[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(path, data.line_of(key), f"{where}: unknown key {key!r}; expected one of: "
                             f"{', '.join(sorted(allowed))}")

    def string(self, path: Path, data: LineDict, key: str, where: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, data.line, f"{where}: missing {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path, data.line_of(key), f"{where}.{key}: must be non-empty text, got {value!r}")
            return None
        if key in _PRINTED_KEYS and (problem := text_problem(value)):
            self.problem(path, data.line_of(key), f"{where}.{key}: {problem}")
            return None
        translated = key == "text" or (key == "title" and where == "drug file")  # catalog entries
        if translated and (spec := PYTHON_FORMAT.search(value)):
            # Babel then flags the catalog entry python-format (ignoring no-python-format), and
            # 'pybabel compile' rejects every translation that does not repeat the false placeholder.
            self.problem(path, data.line_of(key), f"{where}.{key}: {spec.group()!r} reads as a placeholder to "
                         "gettext tools; put the percent sign before a bracket, a stop or a capital letter "
                         "('at least 98% IgG', '(glucose 5%)', 'at least 75%.')")
            return None
        return value.strip()

    def date(self, path: Path, data: LineDict, key: str, where: str) -> dt.date | None:
        value = data.get(key)
        if isinstance(value, dt.date):
            return value
        self.problem(path, data.line_of(key), f"{where}.{key}: must be a date like 2026-11-23, got {value!r}")
        return None

    def fact(self, path: Path, raw: object, where: str) -> Fact | None:
        if not isinstance(raw, LineDict):
            self.problem(path, getattr(raw, "line", None), f"{where}: must be a mapping with id, status, ...")
            return None
        self.unknown_keys(path, raw, _FACT_KEYS, where)
        fact_id = self.string(path, raw, "id", where)
        if fact_id and not _ID.match(fact_id):
            self.problem(path, raw.line_of("id"), f"{where}.id: {fact_id!r} must look like 'rux.use.age' "
                         "(lowercase words separated by dots)")
        elif fact_id and (reserved := reserved_id(fact_id)):
            self.problem(path, raw.line_of("id"), f"{where}.id: {fact_id!r} {reserved}; choose another id")
        status = raw.get("status")
        if status not in STATUSES:
            self.problem(path, raw.line_of("status"), f"{where}.status: {status!r}; expected one of: "
                         f"{', '.join(STATUSES)}")
        verified = status == "verified"
        section = raw.get("section")
        if section is not None and section not in SECTIONS:
            self.problem(path, raw.line_of("section"), f"{where}.section: unknown section {section!r}; "
                         f"expected one of: {', '.join(SECTIONS)}")
        elif section is None and verified:
            self.problem(path, raw.line, f"{where}: missing 'section'")
        topic = raw.get("topic")
        if topic is not None and topic not in TOPICS:
            self.problem(path, raw.line_of("topic"), f"{where}.topic: unknown topic {topic!r}; expected one of: "
                         f"{', '.join(sorted(TOPICS))}")
        text = self.string(path, raw, "text", where, required=verified)
        evidence = self.evidence(path, raw, where)
        references = self.references(path, raw, where)
        origin = raw.get("origin")
        if origin not in (None, "reference"):
            self.problem(path, raw.line_of("origin"), f"{where}.origin: must be 'reference', got {origin!r}")
        reason = self.string(path, raw, "reason", where, required=status == "rejected")
        if verified:
            if not evidence and origin != "reference":
                self.problem(path, raw.line, f"{where}: a verified fact needs seed 'evidence' or "
                             "'origin: reference' (a fact the references require but the seeds omit)")
            if not any(r.url for r in references):
                self.problem(path, raw.line_of("references"), f"{where}: a verified fact needs at least one "
                             "reference with a 'url'")
        elif status == "rejected" and not evidence:
            self.problem(path, raw.line, f"{where}: a rejected record needs the seed 'evidence' it rejects")
        corrected_by = self.string(path, raw, "corrected_by", where, required=False)
        checked = self.date(path, raw, "checked", where)
        if None in (fact_id, status) or status not in STATUSES:
            return None
        return Fact(
            id=fact_id, status=status, section=section if section in SECTIONS else None, text=text,
            topic=topic, evidence=evidence, references=references, checked=checked, reason=reason,
            corrected_by=corrected_by, origin=origin, path=path, line=raw.line,
        )

    def mappings(self, path: Path, raw: LineDict, key: str, where: str, fields: str):  # noqa: ANN201
        """Yield (label, mapping) for each entry of the list ``raw[key]``, reporting malformed entries."""
        items = raw.get(key) or []
        if not isinstance(items, list):
            self.problem(path, raw.line_of(key), f"{where}.{key}: must be a list of {fields}")
            return
        for n, item in enumerate(items):
            if isinstance(item, LineDict):
                yield f"{where}.{key}[{n}]", item
            else:
                self.problem(path, raw.line_of(key), f"{where}.{key}[{n}]: must be a mapping with {fields}")

    def evidence(self, path: Path, raw: LineDict, where: str) -> tuple[Evidence, ...]:
        found = []
        for here, item in self.mappings(path, raw, "evidence", where, "document and quote"):
            document = self.string(path, item, "document", here)
            quote = self.string(path, item, "quote", here)
            if not (document and quote):
                continue
            text = self.document_text(document)
            if text is None:
                known = ", ".join(self.document_names()) or f"none: {self._rel(self.project.documents_dir)}/ " \
                    "has no .txt files; restore the seeds from ../shared/seeds/"
                self.problem(path, item.line_of("document"), f"{here}.document: no seed document "
                             f"{document!r}; expected one of: {known}")
            elif document in self._unreadable:
                self.problem(path, item.line_of("document"), f"{here}.document: seed document {document} "
                             f"{self._unreadable[document]}")
            elif quote not in text:
                self.problem(path, item.line_of("quote"), f"{here}.quote: not found verbatim in {document}: "
                             f"{quote!r}; copy the exact text from the document")
            found.append(Evidence(document, quote))
        return tuple(found)

    def references(self, path: Path, raw: LineDict, where: str) -> tuple[Reference, ...]:
        found = []
        for here, item in self.mappings(path, raw, "references", where, "title and url"):
            title = self.string(path, item, "title", here)
            url = self.string(path, item, "url", here, required=False) or ""
            if url and not url.startswith(("https://", "http://")):
                self.problem(path, item.line_of("url"), f"{here}.url: must start with https://, got {url!r}")
                url = ""
            if title:
                found.append(Reference(title, url))
        return tuple(found)

    def facts(self, path: Path, data: LineDict) -> tuple[Fact, ...]:
        items = data.get("facts")
        if not isinstance(items, list) or not items:
            self.problem(path, data.line_of("facts"), "facts: must be a non-empty list of fact records")
            return ()
        return tuple(f for n, raw in enumerate(items) if (f := self.fact(path, raw, f"facts[{n}]")))

    def drug(self, path: Path, data: LineDict) -> Drug | None:
        self.unknown_keys(path, data, _DRUG_KEYS, "drug file")
        key = self.string(path, data, "drug", "drug file")
        if key and key != path.stem:
            self.problem(path, data.line_of("drug"), f"drug: {key!r} must match the file name {path.stem!r}")
        title = self.string(path, data, "title", "drug file")
        names = data.get("names")
        if not isinstance(names, dict) or not names.get("inn"):
            self.problem(path, data.line_of("names"), "names: must be a mapping with at least 'inn'")
            names = {}
        for name_key, value in names.items():
            for value in value if isinstance(value, list) else [value]:
                if not isinstance(value, str) or (problem := text_problem(value)):
                    self.problem(path, names.line_of(name_key), f"names.{name_key}: "
                                 f"{problem if isinstance(value, str) else 'must be text, got ' + repr(value)}")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem(path, data.line_of("version"), f"version: must be a whole number from 1, got {version!r}")
        reviewed = self.date(path, data, "reviewed", "drug file")
        shared = data.get("shared") or []
        if not isinstance(shared, list) or not all(isinstance(s, str) for s in shared):
            self.problem(path, data.line_of("shared"), "shared: must be a list of fact ids from the shared file")
            shared = []
        facts = self.facts(path, data)
        verified_topics = {f.topic for f in facts if f.verified}
        for topic in REQUIRED_TOPICS:
            if topic not in verified_topics:
                self.problem(path, data.line_of("facts"), f"facts: no verified fact with topic {topic!r}; every "
                             "leaflet must carry it even when the seeds omit it (use 'origin: reference')")
        if None in (key, title, reviewed) or key != path.stem or not isinstance(version, int):
            return None
        return Drug(key, title, dict(names), version, reviewed, tuple(shared), facts, path)


def load_facts(project: Project, partial: bool = False) -> FactBase:
    """Load and validate every fact file; raise ``FactsError`` listing all problems.

    With ``partial`` (the build), a drug whose own file has problems is left out and listed in
    ``FactBase.blocked`` with them, so that one broken file does not stop every other leaflet; problems
    in the shared file still stop everything, since every leaflet may print its facts.
    """
    checker = _Checker(project)
    files = project.fact_files()
    if not files:
        raise FactsError([Problem(project.facts_dir, None, "no fact files (*.yaml) found")])
    drugs: dict[str, Drug] = {}
    shared: tuple[Fact, ...] = ()
    for path in files:
        if path != project.shared_facts_path and not NAME.match(path.stem):
            checker.problem(path, None, "the file name becomes the drug key and an output file name: use "
                            "lowercase words joined by hyphens, like 'ruxolitinib-cream.yaml'")
            continue
        try:
            data = load_yaml(path)
        except FactsError as exc:
            for problem in exc.problems:
                checker.problem(path, problem.line, problem.message)
            continue
        if not isinstance(data, LineDict):
            checker.problem(path, 1, "must be a mapping with 'drug', 'title', 'names', 'facts', ...")
            continue
        if path == project.shared_facts_path:
            checker.unknown_keys(path, data, _SHARED_KEYS, "shared file")
            shared = checker.facts(path, data)
        elif drug := checker.drug(path, data):
            drugs[drug.key] = drug
    base = FactBase(drugs=drugs, shared=shared)
    _check_links(checker, base)
    if partial:
        _block_broken_drugs(checker, base, files)
    raise_if(checker.problems, FactsError)
    return base


def _block_broken_drugs(checker: _Checker, base: FactBase, files: list[Path]) -> None:
    """Move the problems of drug files into ``base.blocked`` (dropping those drugs); keep the rest."""
    drug_files = {checker._rel(p): p.stem for p in files
                  if p != checker.project.shared_facts_path and NAME.match(p.stem)}
    if any(Path(p.path) not in drug_files for p in checker.problems):
        return  # a problem outside the drug files (the shared file, a misnamed file) stops everything
    for problem in checker.problems:
        base.blocked.setdefault(drug_files[Path(problem.path)], []).append(problem)
    for key in base.blocked:
        base.drugs.pop(key, None)
    checker.problems.clear()


def _check_links(checker: _Checker, base: FactBase) -> None:
    """Ids are unique across files; shared and corrected_by ids point at verified facts."""
    for fact in base.all_facts():
        if fact.id in base.by_id:
            first = base.by_id[fact.id]
            checker.problem(fact.path, fact.line, f"duplicate id {fact.id!r} (first used in "
                            f"{checker._rel(first.path)}:{first.line})")
        else:
            base.by_id[fact.id] = fact
    shared_ids = {f.id for f in base.shared if f.verified}
    for drug in base.drugs.values():
        for fact_id in drug.shared:
            if fact_id not in shared_ids:
                checker.problem(drug.path, None, f"shared: {fact_id!r} is not a verified fact in "
                                f"{checker._rel(checker.project.shared_facts_path)}")
    for fact in base.all_facts():
        if fact.corrected_by:
            target = base.by_id.get(fact.corrected_by)
            if target is None or not target.verified:
                checker.problem(fact.path, fact.line, f"corrected_by: {fact.corrected_by!r} is not a verified "
                                "fact id")

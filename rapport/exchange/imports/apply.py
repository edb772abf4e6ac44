"""One chunk of an import: parse the rows, match them, then create and update in bulk.

``Importer.process`` answers what each row does (create, update, unchanged, reject) and,
when asked to write, writes the chunk with a handful of bulk statements (see
``writes.ChunkWrites``): records and their history rows (naming the importing user),
contact details, categories, external ids, and the job's change notes that undo
restores. The caller wraps a chunk in one transaction with its checkpoint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.models import ExternalId, Job, User
from rapport.parties import normalize
from rapport.parties.models import Client, ContactPerson

from .matching import decide, match_chunk, target_model
from .readers import SourceRow
from .rows import Parsed, RowParser
from .updates import plan_updates
from .writes import ChunkWrites


@dataclass
class ImportOptions:
    target: str = "clients"
    mapping: dict[str, str] = field(default_factory=dict)
    match_on: str = "none"
    external_system: str = "import"
    on_error: str = "skip"
    dry_run: bool = False
    encoding: str = ""
    delimiter: str = ""

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ImportOptions:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in known})


@dataclass
class Outcome:
    parsed: Parsed
    action: str = "create"  # create | update | unchanged | reject
    record_id: Any = None


@dataclass
class ChunkResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        names = {
            "create": "created",
            "update": "updated",
            "unchanged": "unchanged",
            "reject": "rejected",
        }
        return Counter(names[o.action] for o in self.outcomes)

    def errors(self) -> list[tuple[int, str, str]]:
        return [
            (o.parsed.number, header, message)
            for o in self.outcomes
            for header, message in o.parsed.problems
        ]


class Importer:
    def __init__(
        self, *, actor: User, options: ImportOptions, headers: list[str], job: Job | None = None
    ) -> None:
        self.actor = actor
        self.options = options
        self.target = options.target
        self.model = target_model(options.target)
        self.owner = "client" if self.model is Client else "contact"
        self.job = job
        self.parser = RowParser(
            actor=actor, target=options.target, headers=headers, mapping=options.mapping
        )
        self.keys = set(self.parser.key_headers)
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.sensitive = {c for c, d in self.parser.definitions.items() if d.is_sensitive}

    # -- deciding ----------------------------------------------------------------------------
    def process(
        self, rows: list[SourceRow], *, write: bool, parsed: list[Parsed] | None = None
    ) -> ChunkResult:
        """``parsed``: the rows already parsed with ``properties=False`` (jobs.py)."""
        if parsed is None:
            parsed = [self.parser.parse(row) for row in rows]
        else:
            for row in parsed:
                self.parser.check_properties(row)
        matches = match_chunk(
            [p for p in parsed if p.ok],
            actor=self.actor,
            target=self.target,
            match_on=self.options.match_on,
            system=self.options.external_system,
        )
        links = self._client_links(parsed) if self.model is ContactPerson else {}
        result = ChunkResult()
        seen_records: dict[Any, int] = {}
        seen_keys: dict[str, int] = {}
        updates: list[Outcome] = []
        for row in parsed:
            outcome = Outcome(parsed=row)
            result.outcomes.append(outcome)
            if row.ok:
                outcome.record_id = decide(row, matches)
            if row.ok and outcome.record_id is not None:
                first = seen_records.setdefault(outcome.record_id, row.number)
                if first != row.number:
                    row.problem("", _("Row %(n)s already changes this record.") % {"n": first})
            if row.ok and outcome.record_id is None:
                self.parser.missing_required(row)
                for key in self._create_keys(row):
                    first = seen_keys.setdefault(key, row.number)
                    if first != row.number:
                        row.problem("", _("Repeats row %(n)s of this file.") % {"n": first})
                        break
            if row.ok and row.external_id:
                owner = matches.external_owner.get(row.external_id)
                if owner is not None and owner != outcome.record_id:
                    row.problem("external_id", _("This external id belongs to another record."))
            if row.ok and self.model is ContactPerson and (row.client_ref or row.client_tax_id):
                link = links.get((row.client_tax_id, row.client_ref))
                if isinstance(link, str):
                    row.problem("client_tax_id" if row.client_tax_id else "client", link)
                else:
                    row.fields["_client"] = link
            if not row.ok:
                outcome.action = "reject"
            elif outcome.record_id is not None:
                outcome.action = "update"
                updates.append(outcome)
        writes = ChunkWrites(self)
        if write:
            for outcome in result.outcomes:
                if outcome.action == "create":
                    writes.create(outcome.parsed)
        if updates:
            plan_updates(self, updates, matches, writes)
        if write:
            writes.write()
        return result

    def _create_keys(self, row: Parsed) -> list[str]:
        rule = self.options.match_on
        if rule == "tax_id" and row.fields.get("tax_id"):
            return [f"t:{row.fields['tax_id']}"]
        if rule == "external_id" and row.external_id:
            return [f"x:{row.external_id}"]
        if rule in ("email", "phone"):
            return [f"p:{n}" for _v, n in row.points.get(f"{rule}s", [])]
        return [f"x:{row.external_id}"] if row.external_id else []

    def _client_links(self, rows: list[Parsed]) -> dict[tuple[str, str], Any]:
        """(client tax id, client name) -> a visible client's pk or a problem message."""
        wanted = {(p.client_tax_id, p.client_ref) for p in rows if p.ok}
        wanted.discard(("", ""))
        if not wanted:
            return {}
        visible = access.visible_to(self.actor, Client)
        taxes = {t for t, _n in wanted if t}
        names = {normalize.normalize_name(n) for t, n in wanted if n and not t}
        by_key: dict[str, set[Any]] = defaultdict(set)
        for tax_id, pk in visible.filter(tax_id__in=taxes).values_list("tax_id", "pk"):
            by_key[f"t:{tax_id}"].add(pk)
        for name, pk in visible.filter(search_name__in=names).values_list("search_name", "pk"):
            by_key[f"n:{name}"].add(pk)
        links: dict[tuple[str, str], Any] = {}
        for tax_id, name in wanted:
            key = f"t:{tax_id}" if tax_id else f"n:{normalize.normalize_name(name)}"
            found = by_key.get(key, set())
            if len(found) == 1:
                links[(tax_id, name)] = next(iter(found))
            elif found:
                links[(tax_id, name)] = _("Several clients match “%(v)s”; give the tax id.") % {
                    "v": name or tax_id
                }
            else:
                links[(tax_id, name)] = _("No client “%(v)s” among those you can see.") % {
                    "v": tax_id or name
                }
        return links

    def external_id(self, pk: Any, value: str) -> ExternalId:
        return ExternalId(
            content_type=self.content_type,
            object_id=str(pk),
            system=self.options.external_system,
            value=value,
        )

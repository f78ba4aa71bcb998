"""What every entity set shares: scoping under a parent, lookups, body validation, the verbs it allows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from bc_emulator import errors
from bc_emulator.fields import EntitySchema
from bc_emulator.odata.etag import etag_for
from bc_emulator.odata.filter import Bound, OneOf
from bc_emulator.store import CompanyData, Store, Table, Transaction

if TYPE_CHECKING:
    from bc_emulator.resources.registry import Registry
    from bc_emulator.settings import EmulatorSettings


@dataclass(frozen=True)
class User:
    """The authenticated caller: a BC user (basic auth) or an Entra application (client credentials)."""

    name: str
    id: str


@dataclass
class RequestContext:
    """What a handler may need about the request beyond its body."""

    store: Store
    settings: EmulatorSettings
    user: User
    api_root: str  # absolute URL of the API root the request came through (for nextLink/Location)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    services: Any = None  # the app's services (subscription handshakes, ...), set by the service layer


@dataclass(frozen=True)
class Parent:
    entity_set: EntitySet
    record: dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where a request points: a company (None at the API root) and optionally a navigation parent."""

    company: CompanyData | None
    parent: Parent | None = None


class EntitySet:
    """One entity set. Subclasses declare their schema, verbs, navigation and business rules."""

    name: ClassVar[str]
    schema: ClassVar[EntitySchema]
    table: ClassVar[str | None] = None
    methods: ClassVar[frozenset[str]] = frozenset({"GET"})
    navigation: ClassVar[dict[str, str]] = {}  # navigation property -> entity set name
    actions: ClassVar[frozenset[str]] = frozenset()
    parent_links: ClassVar[dict[str, str]] = {}  # parent entity set -> field holding the parent's id
    computed: ClassVar[frozenset[str]] = frozenset()  # fields filled by view(), not stored
    deep_insert: ClassVar[frozenset[str]] = frozenset()  # navigation arrays accepted inside a POST body
    addressable: ClassVar[bool] = True  # False for API queries (no key, no single-entity GET)

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # -- reading ----------------------------------------------------------------------------------------

    def stored(self, scope: Scope) -> Table:
        """This set's table in the scope's company."""
        assert self.table is not None and scope.company is not None, f"{self.name} is not a company table"
        return scope.company.table(self.table)

    def candidates(self, ctx: RequestContext, scope: Scope, equalities: list[tuple[str, Any]]) -> Iterable[dict]:
        """Stored rows in scope, narrowed through an index when the filter pins an indexed field (`equalities`:
        (field, value | OneOf | Bound) conditions that must all hold)."""
        table = self.stored(scope)
        if scope.parent is not None:
            link = self.parent_links[scope.parent.entity_set.name]
            return table.find((link,), scope.parent.record["id"])
        indexable = table.index_keys()
        for name, value in equalities:
            if isinstance(value, Bound):
                continue
            if name in indexable:
                if isinstance(value, OneOf):
                    found: dict[str, dict[str, Any]] = {}
                    for one in value.values:
                        found.update((row["id"], row) for row in table.find((name,), one))
                    return found.values()
                return table.find((name,), value)
        ordered = table.ordered_keys()
        for name, value in equalities:
            if isinstance(value, Bound) and name in ordered:
                return table.in_range(name, value.op, value.value)
        return table.values()

    def collection(
        self, ctx: RequestContext, scope: Scope, filter_fields: set[str], equalities: list[tuple[str, Any]]
    ) -> Iterable[dict]:
        """Rows a collection GET starts from, before $filter. Sets with listing rules override this
        (journals show only the default template, flat journalLines need a journal filter)."""
        return self.candidates(ctx, scope, equalities)

    def find(self, ctx: RequestContext, scope: Scope, key: str) -> dict[str, Any] | None:
        record = self.stored(scope).get(key)
        if record is None or not self.in_scope(scope, record):
            return None
        return record

    def in_scope(self, scope: Scope, record: dict[str, Any]) -> bool:
        if scope.parent is None:
            return True
        link = self.parent_links[scope.parent.entity_set.name]
        return record.get(link) == scope.parent.record["id"]

    def view(self, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> dict[str, Any]:
        """The row as the API shows it (stored fields plus computed ones)."""
        return record

    def etag(self, record: dict[str, Any]) -> str | None:
        return etag_for(record) if self.schema.has_etag else None

    def key_text(self, key: str) -> str:
        return f"Id='{key}'"

    # -- writing (each runs inside a store transaction) -------------------------------------------------

    def prepare(self, ctx: RequestContext, method: str, record: dict[str, Any] | None, body: Any) -> Any:
        """Work done before the store lock is taken (network calls such as webhook handshakes).
        Returns the body that create/update receive."""
        return body

    def create(self, txn: Transaction, ctx: RequestContext, scope: Scope, body: dict[str, Any]) -> dict[str, Any]:
        raise errors.method_not_allowed("POST", self.name)

    def update(
        self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        raise errors.method_not_allowed("PATCH", self.name)

    def delete(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any]) -> None:
        raise errors.method_not_allowed("DELETE", self.name)

    def invoke(self, txn: Transaction, ctx: RequestContext, scope: Scope, record: dict[str, Any], action: str) -> None:
        raise errors.ApiError(501, "BadRequest_MethodNotImplemented", "Entity does not support bound actions")

    # -- helpers for subclasses -------------------------------------------------------------------------

    def fields_from_body(self, body: dict[str, Any], *, allow_read_only: frozenset[str] = frozenset()) -> dict:
        """Validate a request body against the schema: unknown and read-only fields are BC errors."""
        if not isinstance(body, dict):
            raise errors.bad_request("Invalid Request Body")
        values: dict[str, Any] = {}
        for key, value in body.items():
            if key.startswith("@") or "@odata." in key:
                continue  # instance annotations such as @odata.etag are ignored, as in BC
            if key in self.deep_insert:
                continue
            spec = self.schema.by_name.get(key)
            if spec is None:
                raise errors.bad_request(
                    f"The property '{key}' does not exist on type 'Microsoft.NAV.{self.schema.entity_name}'. "
                    "Make sure to only use property names that are defined by the type."
                )
            if spec.read_only and key not in allow_read_only:
                raise errors.ApiError(400, "BadRequest_InvalidOperation", f"Control '{key}' is read-only.")
            values[key] = spec.coerce(value, self.schema.entity_name)
        return values

    def nested(self, body: dict[str, Any], navigation: str) -> list[dict[str, Any]]:
        """Deep-insert children listed under `navigation` in a POST body."""
        value = body.get(navigation)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise errors.bad_request(f"The navigation property '{navigation}' must be an array of objects.")
        return value

    def company_of(self, scope: Scope) -> CompanyData:
        assert scope.company is not None, f"{self.name} lives under a company"
        return scope.company


def duplicate_key(caption: str, key_text: str) -> errors.ApiError:
    return errors.ApiError(
        400,
        "Internal_EntityWithSameKeyExists",
        f"The {caption} already exists. Identification fields and values: {key_text}",
    )


def table_relation(field_caption: str, table_caption: str, value: str, related: str) -> errors.ApiError:
    return errors.ApiError(
        400,
        "Internal_InvalidTableRelation",
        f"The field {field_caption} of table {table_caption} contains a value ({value}) that cannot be found in the "
        f"related table ({related}).",
    )


def next_code(last: str) -> str:
    """BC No. Series increment: bump the trailing digits, keep their width ("V10090" -> "V10091")."""
    digits_start = len(last)
    while digits_start > 0 and last[digits_start - 1].isdigit():
        digits_start -= 1
    prefix, digits = last[:digits_start], last[digits_start:]
    if not digits:
        return last + "1"
    return prefix + str(int(digits) + 1).zfill(len(digits))


def take_number(txn: Transaction, company: CompanyData, series: str) -> str:
    """Draw the next number of a number series (rolled back with the transaction)."""
    numbers = dict(company.setup["numberSeries"])
    numbers[series] = next_code(numbers[series])
    txn.set_setup(company, "numberSeries", numbers)
    return numbers[series]


def next_line_number(company: CompanyData, table: str, parent_field: str, parent_id: str, number_field: str) -> int:
    """Last line number of the parent + 10000 (10000 for the first line), without scanning the lines."""
    rows = company.table(table)
    if rows.count((parent_field,), parent_id) == 0:
        last = 0
    else:
        last = company.last_line_numbers.get(parent_id) or max(
            r[number_field] for r in rows.find((parent_field,), parent_id)
        )
    return last + 10000


def remember_line_number(company: CompanyData, parent_id: str, number: int) -> None:
    company.last_line_numbers[parent_id] = max(number, company.last_line_numbers.get(parent_id, 0))

"""The wire format of /api/v1/sync: marshmallow schemas, pure (no Flask).

The server validates the push envelope strictly; each mutation is then validated on its own
(`parse_mutation`), so that one malformed item becomes one `rejected` result and never blocks
the rest of the batch. Times on the wire are Unix epoch milliseconds (what `Date.now()` gives).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

MAX_BATCH = 500
MAX_PULL_LIMIT = 1000

MUTATION_TYPES = (
    "checkin_event_code",  # a member scanned an event's rotating code
    "checkin_card",  # a secretary's device scanned a member's card
    "checkin_manual",  # a secretary entered a check-in by hand, with a reason
    "record_acknowledge",  # a member acknowledges their record
    "record_confirm",  # a secretary confirms a record
    "dues_payment",  # a secretary received a member's dues (server/dues, docs/sync-protocol.md)
)
CHECKIN_TYPES = frozenset(MUTATION_TYPES[:3])

# Dues: one payment names 1 to 12 months ("2026-01,2026-02"), and at most 12 months of the highest
# monthly amount in fen (server/dues/standard.py checks the two agree).
DUES_MAX_MONTHS = 12
DUES_MAX_PAYMENT_FEN = 2_400_000
_MONTH = r"[0-9]{4}-(0[1-9]|1[0-2])"
_MONTHS = validate.Regexp(rf"^{_MONTH}(,{_MONTH}){{0,{DUES_MAX_MONTHS - 1}}}\Z",
                          error="Months are 1 to 12 distinct YYYY-MM, comma-separated.")


def _distinct_months(value: str) -> None:
    """No month twice, years 2000-2100; whatever the text (the format is the regexp's to judge)."""
    months = value.split(",")
    if len(set(months)) != len(months):
        raise ValidationError("A month is named twice.")
    years = [m[:4] for m in months]
    if any(y.isascii() and y.isdigit() and not 2000 <= int(y) <= 2100 for y in years):
        raise ValidationError("Months are between 2000 and 2100.")


Token = lambda **kw: fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"), **kw)  # noqa: E731
# Ids are the server's row keys: 32-bit integers (PostgreSQL's `integer`). A larger one names no
# row, and the database would refuse to compare it with a key column, failing the whole batch.
MAX_ID = 2**31 - 1
Id = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kw)  # noqa: E731
EpochMs = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=0, max=2**53 - 1), **kw)  # noqa: E731

_REQUIRED = {
    "checkin_event_code": ("claimed_at_ms", "event_qr"),
    "checkin_card": ("claimed_at_ms", "event_id", "card_qr"),
    "checkin_manual": ("claimed_at_ms", "event_id", "member_id", "reason"),
    "record_acknowledge": ("record_id",),
    "record_confirm": ("record_id",),
    "dues_payment": ("member_id", "months", "amount_fen", "claimed_at_ms"),
}
_OPTIONAL = {"checkin_event_code": ("event_id",)}
# The fields each type may carry: any other is refused ("Unknown field."), as in the envelope.
_ALLOWED = {kind: frozenset(("id", "type", *required, *_OPTIONAL.get(kind, ()))) for kind, required in _REQUIRED.items()}


class MutationSchema(Schema):
    """One queued client change. `id` is the client's random nonce: it makes retries idempotent."""

    class Meta:
        unknown = RAISE

    id = Token(required=True)
    type = fields.String(required=True, validate=validate.OneOf(MUTATION_TYPES))
    claimed_at_ms = EpochMs()
    event_qr = fields.String(validate=validate.Length(max=64))
    card_qr = fields.String(validate=validate.Length(max=1024))
    event_id = Id()
    member_id = Id()
    reason = fields.String(validate=validate.Length(min=2, max=500))
    record_id = Id()
    # dues_payment: the months paid for, and the amount handed over, in fen.
    months = fields.String(validate=[validate.Length(max=95), _MONTHS, _distinct_months])
    amount_fen = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=DUES_MAX_PAYMENT_FEN, error=f"An amount is 1 to {DUES_MAX_PAYMENT_FEN} fen."))

    @validates_schema
    def _fields_for_type(self, data, **_):
        kind = data.get("type")
        errors = {name: ["Missing data for required field."] for name in _REQUIRED.get(kind, ()) if name not in data}
        if kind in _ALLOWED:
            errors |= {name: ["Unknown field."] for name in data if name not in _ALLOWED[kind]}
        if errors:
            raise ValidationError(errors)


class _Items(fields.List):
    """A list of raw items (`fields.List(fields.Raw())` as documented), taken as it is: each item is
    validated on its own later (`parse_mutation`), and List would call Raw on each of 500 items."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return value


class PushRequestSchema(Schema):
    protocol_version = fields.Integer(required=True, strict=True)
    device_id = Token(required=True)
    client_time_ms = EpochMs(required=True)
    # Also accepted as the Idempotency-Key header; a retried request returns the first answer.
    idempotency_key = Token()
    # Items are validated one by one (parse_mutation), so one bad item is one rejected result.
    mutations = _Items(
        fields.Raw(),
        required=True,
        validate=validate.Length(max=MAX_BATCH, error=f"At most {MAX_BATCH} mutations per push; send the rest in another."),
    )


class ItemResultSchema(Schema):
    id = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("applied", "duplicate", "rejected")))
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    record_id = fields.Integer(allow_none=True)
    # dues_payment: the payment this item made (or, for a retry, made the first time).
    payment_id = fields.Integer(allow_none=True)
    flags = fields.List(fields.String())
    # Field messages, for a `malformed` item.
    errors = fields.Dict()


class PushResponseSchema(Schema):
    protocol_version = fields.Integer()
    server_time_ms = fields.Integer()
    clock_offset_ms = fields.Integer()
    client_update_required = fields.Boolean()
    message = fields.String(allow_none=True)
    results = fields.List(fields.Nested(ItemResultSchema))


class PullQuerySchema(Schema):
    protocol_version = fields.Integer(required=True)
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=MAX_PULL_LIMIT))
    device_id = Token()
    # Query strings carry text, so this integer is not strict.
    client_time_ms = fields.Integer(validate=validate.Range(min=0, max=2**53 - 1))


class ChangeSchema(Schema):
    entity = fields.String()
    op = fields.String(validate=validate.OneOf(("upsert", "delete", "revoke")))
    id = fields.Integer()
    data = fields.Dict(allow_none=True)


class PullResponseSchema(Schema):
    protocol_version = fields.Integer()
    server_time_ms = fields.Integer()
    clock_offset_ms = fields.Integer(allow_none=True)
    cursor = fields.String()
    has_more = fields.Boolean()
    # True when the client must drop its cached data first (its scope changed, or a bad cursor).
    reset = fields.Boolean()
    card_keys = fields.Dict(keys=fields.String(), values=fields.String())
    changes = fields.List(fields.Nested(ChangeSchema))


# One instance for every item: building a Schema copies its fields, which cost more than loading.
_MUTATION_SCHEMA = MutationSchema()
_MUTATION_FIELDS = tuple(_MUTATION_SCHEMA.load_fields.items())  # the order load() returns them in
_MUTATION_TYPES = {name: int if isinstance(field, fields.Integer) else str for name, field in _MUTATION_FIELDS}
assert all(isinstance(f, (fields.Integer, fields.String)) for _, f in _MUTATION_FIELDS), "update _fast_load"
# Per mutation type: its required fields, and the fields it may carry in load()'s order with their
# JSON type and validators (looked at per item: only the type's own fields, not all of them).
_FAST_LOAD = {kind: (frozenset(required), _ALLOWED[kind],
                     tuple((name, _MUTATION_TYPES[name], tuple(field.validators))
                           for name, field in _MUTATION_FIELDS if name in _ALLOWED[kind]))
              for kind, required in _REQUIRED.items()}


def _fast_load(raw: dict) -> dict | None:
    """What `MutationSchema().load(raw)` returns, for a plainly valid mutation, or None (unsure).

    Runs the schema's own field validators on values of the exact JSON type (str, or int that is
    not a bool) and the same per-type required fields; anything else returns None and goes
    through the schema, which decides and words the errors. So the result never differs from
    the schema's; only the marshmallow machinery per item is skipped (push parses up to 500).
    """
    kind = raw.get("type")
    spec = _FAST_LOAD.get(kind) if type(kind) is str else None  # (a list would not hash)
    if spec is None:
        return None
    required, allowed, fields_of_type = spec
    keys = raw.keys()
    if "id" not in raw or not keys <= allowed or not required <= keys:
        return None
    out = {}
    try:
        for name, json_type, validators in fields_of_type:
            if name in raw:
                value = raw[name]
                if type(value) is not json_type:
                    return None
                for validator in validators:
                    validator(value)
                out[name] = value
    except ValidationError:
        return None
    return out


def parse_mutation(raw: object) -> tuple[dict | None, dict | None]:
    """(mutation, None) when valid, else (None, field errors). Never raises."""
    if not isinstance(raw, dict):
        return None, {"_schema": ["A mutation is a JSON object."]}
    fast = _fast_load(raw)
    if fast is not None:
        return fast, None
    try:
        return _MUTATION_SCHEMA.load(raw), None
    except ValidationError as err:
        return None, err.normalized_messages()

"""The mutation parser: whatever a client sends as one item is a mutation or field errors, never
an exception (one item must not fail the whole push)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.messages import MutationSchema, parse_mutation

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def test_a_type_that_is_not_text_is_a_field_error():
    for kind in ([1], {"a": 1}, 5, None):
        mutation, errors = parse_mutation({"id": "abcdefgh", "type": kind, "claimed_at_ms": 1})
        assert mutation is None and "type" in errors


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "type", "claimed_at_ms", "event_qr", "event_id", "member_id",
                                        "reason", "card_qr", "record_id", "months", "amount_fen", "other"]),
                       json_values | st.sampled_from(["checkin_manual", "checkin_event_code", "abcdefgh12"]),
                       max_size=8))
def test_any_item_parses_as_the_schema_loads_it(raw):
    mutation, errors = parse_mutation(raw)
    try:
        expected, expected_errors = MutationSchema().load(raw), None
    except Exception as error:  # noqa: BLE001 - what the schema does, whatever it is
        expected, expected_errors = None, error
    assert mutation == expected
    assert (errors is None) == (expected_errors is None)

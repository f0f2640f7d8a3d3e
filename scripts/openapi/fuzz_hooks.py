"""Schemathesis hooks for the fuzz run in scripts/test.sh: besides the ids Hypothesis makes up, which reach only
the "not found" answers, half the time use the ids of the data imported from fuzz-fixture.ndjson, so requests also
reach the code behind them (pages, writes, status changes, cancellations). The choice is a Hypothesis strategy, so
a run stays reproducible with its seed."""

import schemathesis
from hypothesis import strategies as st

LOCATION = "FuzzLocation00000001"
KNOWN = {
    "locationId": [LOCATION],
    "conversationId": ["FuzzConversation0001", "FuzzConversation0002"],
    "contactId": ["FuzzContact000000001", "FuzzContact000000002"],
    "messageId": [f"FuzzMessage{i:09d}" for i in range(1, 11)],
    "lastMessageId": [f"FuzzMessage{i:09d}" for i in range(1, 11)],
}


def with_known_ids(values):
    """A strategy that keeps `values` or swaps some of its id fields for known ids."""
    strategy = st.just(values)
    if not isinstance(values, dict):
        return strategy
    for name, known in KNOWN.items():
        if name in values and isinstance(values[name], (str, type(None))):
            strategy = strategy.flatmap(
                lambda current, name=name, known=known: st.one_of(
                    st.just(current), st.sampled_from(known).map(lambda value: {**current, name: value})))
    return strategy


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return with_known_ids(path_parameters)


@schemathesis.hook
def flatmap_query(context, query):
    return with_known_ids(query)


@schemathesis.hook
def flatmap_body(context, body):
    return with_known_ids(body)

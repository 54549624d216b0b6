"""The semantic-version rule for data releases."""

import pytest

from govreport.release.publish import bump

FIELDS = {"observations": {"indicator": "string", "value": "number"}, "documents": {"source_file": "string"}}
KEYS = {"observations": {("a.txt", "gdp")}, "documents": {("a.txt",)}}


def test_first_release_is_1_0_0():
    assert bump(None, {}, FIELDS, {}, KEYS)[0] == "1.0.0"


@pytest.mark.parametrize(
    "new_fields, new_keys, expected",
    [
        (
            {"observations": {"indicator": "string"}, "documents": {"source_file": "string"}},
            KEYS,
            "2.0.0",
        ),  # field removed
        (
            {"observations": {"indicator": "string", "value": "string"}, "documents": {"source_file": "string"}},
            KEYS,
            "2.0.0",
        ),  # type changed
        ({"observations": FIELDS["observations"]}, KEYS, "2.0.0"),  # table removed
        (FIELDS, {"observations": set(), "documents": set()}, "2.0.0"),  # document removed
        ({**FIELDS, "quantities": {"x": "number"}}, KEYS, "1.4.0"),  # table added
        (
            {"observations": {**FIELDS["observations"], "note": "string"}, "documents": FIELDS["documents"]},
            KEYS,
            "1.4.0",
        ),  # field added
        (
            FIELDS,
            {"observations": KEYS["observations"] | {("b.txt", "gdp")}, "documents": KEYS["documents"] | {("b.txt",)}},
            "1.4.0",
        ),  # document added
        (FIELDS, {"observations": set(), "documents": KEYS["documents"]}, "1.3.3"),  # a fact withdrawn
        (FIELDS, KEYS, "1.3.3"),  # values corrected
    ],
)
def test_bump(new_fields, new_keys, expected):
    assert bump("1.3.2", FIELDS, new_fields, KEYS, new_keys)[0] == expected

"""Hostile and broken XML: refused with a position, never expanded, never a traceback."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cib import import_cib, loads_cib
from placement.cib.xml import parse, read_bytes
from placement.errors import InvalidInput, PlacementError
from tests.cib.cibxml import cib, dummy

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE cib [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration>
<status>&lol9;</status></cib>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE cib [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status>&secret;</status></cib>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE cib SYSTEM "http://example.invalid/cib.dtd">
<cib><configuration/></cib>"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "entity", "dtd"])
def test_dtds_and_entities_are_refused_with_a_position(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"evil\.xml:2:\d+: error: refused unsafe XML"):
        parse(text, "evil.xml")


def test_malformed_xml_reports_file_line_and_column() -> None:
    text = "<cib>\n  <configuration>\n    <nodes>\n  </configuration>\n</cib>"
    with pytest.raises(InvalidInput) as caught:
        parse(text, "broken.xml")
    assert str(caught.value) == "broken.xml:4:5: error: malformed XML: mismatched tag"


def test_huge_file_is_refused_before_being_read(tmp_path) -> None:
    path = tmp_path / "huge.xml"
    path.write_bytes(b"<cib>" + b" " * 2048 + b"</cib>")
    with pytest.raises(InvalidInput, match="larger than the 1024-byte limit"):
        read_bytes(path, max_bytes=1024)
    with pytest.raises(InvalidInput, match="larger than the 1024-byte limit"):
        import_cib(path, max_bytes=1024)


def test_missing_file_is_invalid_input(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        import_cib(tmp_path / "nope.xml")


def test_wrong_root_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"x\.xml:1:1: error: root element is <configuration>, expected <cib>"):
        parse("<configuration/>", "x.xml")


def test_missing_configuration_is_refused() -> None:
    with pytest.raises(InvalidInput, match="has no <configuration>"):
        loads_cib("<cib><status/></cib>")


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ('<primitive class="ocf" provider="pacemaker" type="Dummy"/>', "<primitive> has no 'id'"),
        ('<primitive id="r" provider="pacemaker" type="Dummy"/>', "<primitive id='r'> has no 'class'"),
        ('<group id="g"/>', "group 'g' has no members"),
    ],
)
def test_missing_ids_and_attributes_are_reported_where_they_are(resources: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=r"t\.xml:1:\d+: error: " + message):
        loads_cib(cib(resources), source="t.xml")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(InvalidInput, match="duplicate id 'r'"):
        loads_cib(cib(dummy("r") + dummy("r")))


def test_dangling_id_refs_are_refused() -> None:
    resources = dummy("r", '<meta_attributes id-ref="shared-meta"/>')
    with pytest.raises(InvalidInput, match="<meta_attributes> id-ref 'shared-meta' does not name any element"):
        loads_cib(cib(resources))


def test_id_ref_to_the_wrong_kind_of_element_is_refused() -> None:
    resources = dummy("a") + dummy("r", '<meta_attributes id-ref="a"/>')
    with pytest.raises(InvalidInput, match="id-ref 'a' names a <primitive>"):
        loads_cib(cib(resources))


def test_id_ref_shares_a_meta_set() -> None:
    resources = dummy(
        "a", '<meta_attributes id="shared"><nvpair id="s1" name="priority" value="7"/></meta_attributes>'
    ) + dummy("b", '<meta_attributes id-ref="shared"/>')
    config, _ = loads_cib(cib(resources))
    assert config.resources["b"].meta.priority == 7


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_a_placement_error(text: str) -> None:
    with contextlib.suppress(PlacementError):
        loads_cib(text)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=400))
def test_every_truncation_of_a_valid_cib_is_handled(cut: int) -> None:
    text = cib(dummy("r"), '<rsc_location id="l" rsc="r" node="alice" score="5"/>')
    with contextlib.suppress(PlacementError):
        loads_cib(text[: cut * len(text) // 400])


def test_deeply_nested_rules_are_refused_not_a_stack_overflow() -> None:
    depth = 5000
    rules = "".join(f'<rule id="r{i}">' for i in range(depth)) + "</rule>" * depth
    text = cib(dummy("a"), f'<rsc_location id="l" rsc="a">{rules}</rsc_location>')
    with pytest.raises(InvalidInput, match="rules nested more than 64 deep"):
        loads_cib(text)


def test_deeply_nested_unknown_elements_are_harmless() -> None:
    config, _ = loads_cib(cib(dummy("a"), extra="<x>" * 20000 + "</x>" * 20000))
    assert list(config.resources) == ["a"]


def test_nvpair_id_ref_lends_its_value_and_a_local_name_renames_it() -> None:
    resources = dummy(
        "a", '<instance_attributes id="ia"><nvpair id="shared" name="fake" value="common"/></instance_attributes>'
    ) + dummy(
        "b",
        '<instance_attributes id="ib"><nvpair id-ref="shared"/>'
        '<nvpair id-ref="shared" name="other"/></instance_attributes>',
    )
    config, _ = loads_cib(cib(resources))
    assert dict(config.resources["b"].params) == {"fake": "common", "other": "common"}

"""The fast CIB reader gives defusedxml's tree and positions, and leaves everything unsafe to it."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import tostring

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.cib import xml
from placement.errors import InvalidInput
from tests.cib.test_hostile_xml import BILLION_LAUGHS, EXTERNAL_DTD, EXTERNAL_ENTITY

CASES = Path(__file__).resolve().parents[3] / "shared" / "pacemaker-scheduler" / "cases"


def same_reading(raw: bytes) -> None:
    fast = xml._fast_tree(raw)
    assert fast is not None
    careful = xml._careful_tree(raw, "t.xml")
    assert tostring(fast[0]) == tostring(careful[0])
    assert [fast[1][e] for e in fast[0].iter()] == [careful[1][e] for e in careful[0].iter()]


@pytest.mark.skipif(not CASES.is_dir(), reason=f"the Pacemaker scheduler cases are not at {CASES}")
def test_every_scheduler_case_reads_the_same_both_ways() -> None:
    files = sorted(CASES.glob("*.xml"))
    assert len(files) > 100
    for path in files:
        same_reading(path.read_bytes())


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=40),
       st.sampled_from(["\n", "\r\n", "  ", "\t"]))
def test_text_comments_cdata_and_line_ends_read_the_same(text: str, gap: str) -> None:
    body = (f"<?xml version='1.0' encoding='UTF-8'?>{gap}<!-- c -->{gap}<cib a='{_escape(text)}'>{gap}"
            f"<configuration>{_escape(text)}<![CDATA[{text.replace(']]>', '')}]]><?pi x?>"
            f"<nodes/>{gap}</configuration>&amp;&#65;</cib>")
    same_reading(body.encode("utf-8"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace(">", "&gt;")


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "entity", "dtd"])
def test_the_fast_reader_stops_at_any_dtd_and_hands_over(text: str) -> None:
    assert xml._fast_tree(text.encode()) is None  # never expanded, never fetched
    with pytest.raises(InvalidInput, match="refused unsafe XML"):
        xml.parse(text, "evil.xml")


def test_namespaces_are_left_to_the_careful_reader() -> None:
    text = b"<cib xmlns:x='urn:x'><configuration x:a='1'/></cib>"
    assert xml._fast_tree(text) is None
    document = xml.parse(text, "ns.xml")
    assert document.root.find("configuration").get("{urn:x}a") == "1"


def test_malformed_input_keeps_the_careful_readers_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        xml.parse("<cib>\n  <configuration>\n    <nodes>\n  </configuration>\n</cib>", "broken.xml")
    assert str(caught.value) == "broken.xml:4:5: error: malformed XML: mismatched tag"


def test_positions_are_line_and_column_of_the_start_tag() -> None:
    document = xml.parse("<cib>\n  <configuration>\n    <nodes/></configuration></cib>", "p.xml")
    nodes = document.root.find("configuration/nodes")
    assert str(document.span(nodes)) == "p.xml:3:5"
    assert document.span(document.root.makeelement("x", {})) is None

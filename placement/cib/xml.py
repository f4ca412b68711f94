"""Safe loading of CIB XML: no DTDs, no entities, no network, bounded size, positions kept.

A CIB comes from another machine (``cibadmin -Q``) and is data, never a program: the
parser refuses DTDs and entity declarations (billion laughs, external entities) and any
file larger than `MAX_BYTES`. Every element remembers where it was written so that
later errors ("missing id", "dangling id-ref") can point at ``file:line:col``.

Two readers, one result. The fast one drives expat directly: only the start of an element
runs Python (to note its position); text and end tags go straight to the C tree builder,
and a DTD, an entity or external reference, or a namespace declaration stops it at once.
Whatever it stops at, and any malformed input, is read again by the careful one —
defusedxml's parser, which refuses DTDs and entities itself — so refusals and error
messages are exactly defusedxml's, while a good CIB is read several times faster.
"""

from __future__ import annotations

import os
import pyexpat
from dataclasses import dataclass, field
from typing import Final
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from placement.errors import Diagnostic, InvalidInput, Severity
from placement.model import Span

# A CIB grows with nodes × resources once every node has probed every resource: 64 nodes
# and 3,000 resources with full probe history is about 100 MiB, which Pacemaker reads.
# 512 MiB accepts such clusters and still stops a hostile file before memory runs out
# (the parsed tree takes about six times the file's size).
MAX_BYTES: Final = 512 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A parsed CIB: its root element, where each element starts, and elements by id."""

    root: Element
    source: str | None
    positions: dict[Element, tuple[int, int]] = field(repr=False)  # (line, column), 1-based
    by_id: dict[str, Element] = field(repr=False)

    def span(self, element: Element) -> Span | None:
        """Where ``element`` starts in the file (None for elements built in memory)."""
        place = self.positions.get(element)
        return None if place is None else Span(self.source, *place)

    def resolve(self, element: Element) -> Element:
        """The element an ``id-ref`` points to (``element`` itself when it has none).

        Raises `InvalidInput` when the reference dangles or names another kind of element.
        """
        ref = element.get("id-ref")
        if ref is None:
            return element
        target = self.by_id.get(ref)
        if target is None:
            raise self.error(element, f"<{element.tag}> id-ref {ref!r} does not name any element")
        if target.tag != element.tag:
            raise self.error(element, f"<{element.tag}> id-ref {ref!r} names a <{target.tag}>")
        return target

    def require(self, element: Element, attribute: str) -> str:
        """The value of a mandatory attribute; `InvalidInput` naming the element if missing."""
        value = element.get(attribute)
        if value is None or not value.strip():
            ident = element.get("id")
            what = f"<{element.tag} id={ident!r}>" if ident else f"<{element.tag}>"
            raise self.error(element, f"{what} has no {attribute!r}")
        return value.strip()

    def error(self, element: Element | None, message: str) -> InvalidInput:
        """An `InvalidInput` pointing at ``element``."""
        span = self.span(element) if element is not None else None
        return InvalidInput(Diagnostic(Severity.ERROR, message, span or Span(self.source, 0, 0)))


class _PositionedBuilder(TreeBuilder):
    """A TreeBuilder that records the line and column where each element starts."""

    def __init__(self, source: str | None) -> None:
        super().__init__()
        self.source = source
        self.positions: dict[Element, tuple[int, int]] = {}
        self.expat = None  # the expat parser, set once the XMLParser exists

    def start(self, tag, attrs):  # type: ignore[no-untyped-def]
        element = super().start(tag, attrs)
        if self.expat is not None:
            # expat reports the position of the current event: the start tag.
            self.positions[element] = (self.expat.CurrentLineNumber, self.expat.CurrentColumnNumber + 1)
        return element


class _NotForTheFastReader(Exception):
    """The input has something only the careful reader may judge (a DTD, an entity, a namespace)."""


def _stop(*_: object) -> None:
    raise _NotForTheFastReader


def _fast_tree(raw: bytes) -> tuple[Element, dict[Element, tuple[int, int]]] | None:
    """The tree and the element positions of a plain, well-formed document; None for anything else.

    The handlers are those ElementTree's own (pure Python) XMLParser sets — the one defusedxml
    extends — so the tree is the same: namespace processing on ("}" as separator, as there),
    buffered text, comments and processing instructions handed to the builder (which drops them).
    """
    builder = TreeBuilder()
    parser = pyexpat.ParserCreate(None, "}")
    positions: dict[Element, tuple[int, int]] = {}
    start_element = builder.start

    def start(tag: str, attributes: dict[str, str]) -> None:
        positions[start_element(tag, attributes)] = (parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.CommentHandler = builder.comment
    parser.ProcessingInstructionHandler = builder.pi
    # What defusedxml refuses, and namespaces (whose names ElementTree rewrites): not here.
    parser.StartDoctypeDeclHandler = _stop
    parser.EntityDeclHandler = _stop
    parser.UnparsedEntityDeclHandler = _stop
    parser.ExternalEntityRefHandler = _stop
    parser.StartNamespaceDeclHandler = _stop
    try:
        parser.Parse(raw, True)
        return builder.close(), positions
    except (_NotForTheFastReader, pyexpat.ExpatError):
        return None


def read_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """Read a CIB file, refusing anything larger than ``max_bytes`` before reading it all."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InvalidInput(f"{name}: cannot read: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise InvalidInput(
            Diagnostic(Severity.ERROR, f"file is larger than the {max_bytes}-byte limit", Span(name, 1, 1))
        )
    return data


def parse(data: bytes | str, source: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Parse CIB text safely into a `Document`.

    Raises `InvalidInput` with ``file:line:col`` for malformed XML, for DTDs or entity
    declarations (refused, never expanded), for text over ``max_bytes``, for a root that
    is not ``<cib>``, and for duplicate ids.

    >>> parse("<cib><configuration/></cib>").root.tag
    'cib'
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise InvalidInput(
            Diagnostic(Severity.ERROR, f"input is larger than the {max_bytes}-byte limit", Span(source, 1, 1))
        )
    fast = _fast_tree(raw)
    root, positions = fast if fast is not None else _careful_tree(raw, source)
    document = Document(root, source, positions, {})
    if root.tag != "cib":
        raise document.error(root, f"root element is <{root.tag}>, expected <cib>")
    _index_ids(document)
    return document


def _careful_tree(raw: bytes, source: str | None) -> tuple[Element, dict[Element, tuple[int, int]]]:
    """The tree by defusedxml's parser: what it refuses, or finds malformed, raises `InvalidInput`."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    builder = _PositionedBuilder(source)
    # forbid_dtd: a CIB never has one, and refusing it stops every entity trick at once.
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        parser.feed(raw)
        root = parser.close()
    except ParseError as error:
        line, column = error.position
        message = str(error).split(":")[0]
        raise InvalidInput(
            Diagnostic(Severity.ERROR, f"malformed XML: {message}", Span(source, line, column + 1))
        ) from None
    except DefusedXmlException as error:
        expat = parser.parser
        span = Span(source, expat.CurrentLineNumber, expat.CurrentColumnNumber + 1)
        raise InvalidInput(
            Diagnostic(Severity.ERROR, f"refused unsafe XML ({type(error).__name__}): {error}", span)
        ) from None
    return root, builder.positions


_NOT_DEFINITIONS: Final = frozenset({"resource_ref", "obj_ref", "node"})


def _index_ids(document: Document) -> None:
    """Fill ``by_id`` with every element that has an ``id``; ids are unique in a CIB.

    The status section repeats ids by design (an ``lrm_resource`` id is a resource id),
    so only the configuration is indexed. References (``resource_ref``, ``obj_ref``,
    anything with ``id-ref``) name other elements, and node ids live in their own
    namespace (a remote node shares its id with its connection resource).
    """
    configuration = document.root.find("configuration")
    if configuration is None:
        return
    for element in configuration.iter():
        ident = element.get("id")
        if ident is None or element.tag in _NOT_DEFINITIONS or element.get("id-ref") is not None:
            continue
        if ident in document.by_id:
            first = document.span(document.by_id[ident])
            raise document.error(element, f"duplicate id {ident!r} (first used at {first})")
        document.by_id[ident] = element


def load(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Document:
    """Read and parse the CIB file at ``path`` (see `parse`)."""
    return parse(read_bytes(path, max_bytes), os.fspath(path), max_bytes)

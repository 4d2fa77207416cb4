"""Statements as MathML for results.json: sympy's presentation printer, wrapped and sanitised.

The run writes each identity's statement with ``statement_mathml``; the report embeds it in the
page unescaped, so whatever arrives in results.json is parsed and rebuilt by ``sanitize`` from
an allow-list of MathML elements and attributes first, and anything else falls back to the
escaped plain text. Chromium renders MathML Core natively (no JavaScript, no web fonts).
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET

from .notation import printer_class

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# MathML Core presentation elements (plus the deprecated mfenced sympy may emit).
_ELEMENTS = frozenset("""
    math mrow mi mn mo ms mtext mspace mfrac msqrt mroot msub msup msubsup munder mover
    munderover mtable mtr mtd mstyle mpadded mphantom merror menclose mmultiscripts
    mprescripts none semantics annotation mfenced
""".split())
_ATTRIBUTES = frozenset("""
    xmlns display mathvariant mathsize mathcolor stretchy fence separator lspace rspace
    columnalign rowalign columnspacing rowspacing open close separators linethickness
    scriptlevel displaystyle accent accentunder movablelimits largeop symmetric form
    width height depth notation columnlines rowlines frame
""".split())
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def statement_mathml(expr, *, display: bool = True) -> str:
    """MathML for a sympy expression or equation, as one ``<math xmlns=...>`` element.

    Args:
        expr: a sympy object (``Eq``, expression, matrix expression).
        display: block display (centred, full-size fractions) rather than inline.
    Returns:
        A string ``<math xmlns="http://www.w3.org/1998/Math/MathML" ...>...</math>``;
        an empty string for ``None``.
    """
    if expr is None:
        return ""
    body = _Printer().doprint(expr)
    mode = "block" if display else "inline"
    return sanitize(f'<math xmlns="{MATHML_NS}" display="{mode}">{body}</math>') or ""


def _Printer():
    return printer_class()()


def sanitize(markup: str) -> str | None:
    """Rebuild a ``<math>`` fragment from allowed elements/attributes; None if it is not one."""
    if not markup:
        return None
    text = _ENTITY.sub(_entity_to_char, markup)
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if _local(root.tag) != "math":
        return None
    clean = _copy(root)
    if clean is None:
        return None
    rest = {k: v for k, v in clean.attrib.items() if k != "xmlns"}
    clean.attrib = {"xmlns": MATHML_NS, **rest}
    return ET.tostring(clean, encoding="unicode", short_empty_elements=False)


def _entity_to_char(m: re.Match) -> str:
    """Turn an HTML named entity into its characters (XML knows only five names)."""
    name = m.group(1)
    if name in ("lt", "gt", "amp", "quot", "apos"):
        return m.group(0)
    chars = html.entities.html5.get(name + ";")
    return chars if chars is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _copy(node: ET.Element) -> ET.Element | None:
    """Copy of ``node`` without namespaces; None if any element is not allowed."""
    tag = _local(node.tag)
    if tag not in _ELEMENTS:
        return None
    out = ET.Element(tag, {k: v for k, v in node.attrib.items()
                           if _local(k) in _ATTRIBUTES and not v.lower().startswith("javascript")})
    out.text, out.tail = node.text, node.tail
    for child in node:
        c = _copy(child)
        if c is None:
            return None
        out.append(c)
    return out

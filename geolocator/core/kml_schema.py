"""simplekml's text made valid against the OGC KML 2.2 schema (OGC 07-147r2, ogckml22.xsd).

simplekml (1.3.6) writes what Google Earth reads but a validating reader refuses (fastkml's
`KML.parse`, which checks the schema with lxml; newuser34 row 13):

- every object's `id` is a bare number (`id="1"`), and kml:AbstractObjectType's `id` is an xs:ID,
  an XML NCName (XML Schema Part 2 §3.3.8, Namespaces in XML §3): it must not start with a digit.
  simplekml offers no way to set ids (its `id` properties are read-only), so they are renamed here,
  with the `#id` references (`<styleUrl>`) that point at them;
- a container's shared `<Style>`/`<StyleMap>` comes first, before its `<name>`, while
  kml:AbstractFeatureType (07-147r2 §9.1.2) orders a Feature's elements: name, visibility, open,
  atom:author, atom:link, address, xal:AddressDetails, phoneNumber, Snippet, description,
  AbstractView, TimePrimitive, styleUrl, then the StyleSelectors, then Region, Metadata,
  ExtendedData, the extensions and (for a Document or Folder) the Schemas and child Features.
  simplekml hard-codes its order, so the StyleSelectors are moved here.

One pass with lxml, on the finished text; nothing else in the file changes (gx: extensions stay in
their namespace, Google Earth reads the result as before).
"""

from __future__ import annotations

from lxml import etree

KML_NS = "http://www.opengis.net/kml/2.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
XAL_NS = "urn:oasis:names:tc:ciq:xsdschema:xAL:2.0"

# kml:AbstractFeatureType's elements that come before its StyleSelectors (07-147r2 §9.1.2, the
# sequence in ogckml22.xsd): a Style or StyleMap goes after the last of these a Feature holds
_BEFORE_STYLES = frozenset(
    [f"{{{KML_NS}}}{n}" for n in ("name", "visibility", "open", "address", "phoneNumber", "Snippet", "snippet",
                                  "description", "Camera", "LookAt", "TimeStamp", "TimeSpan", "styleUrl")]
    + [f"{{{ATOM_NS}}}author", f"{{{ATOM_NS}}}link", f"{{{XAL_NS}}}AddressDetails"])
_STYLE_SELECTORS = frozenset({f"{{{KML_NS}}}Style", f"{{{KML_NS}}}StyleMap"})
# what points at an id ("#12"): a Feature's or a StyleMap Pair's styleUrl (07-147r2 §9.1.3.10, §12.3)
_REFERENCES = frozenset({f"{{{KML_NS}}}styleUrl"})


def schema_valid_kml(text: str) -> str:
    """`text` (a KML 2.2 document as simplekml writes it) with every `id` an XML ID and each
    Feature's Style/StyleMap children in the schema's place; returns the document as a str with
    its XML declaration (UTF-8).

    Ids: renamed "id1", "id2", ... in document order (the same input gives the same file, whatever
    simplekml's process-wide counter stood at), and each `<styleUrl>#old</styleUrl>` follows its
    target; a styleUrl to another file ("other.kml#x") is left as it is.
    Raises lxml.etree.XMLSyntaxError when `text` is not well-formed XML."""
    root = etree.fromstring(text.encode("utf-8"))
    renamed: dict[str, str] = {}
    for el in root.iter("{*}*"):
        if "id" in el.attrib:
            el.set("id", renamed.setdefault(el.get("id"), f"id{len(renamed) + 1}"))
    for el in root.iter(*_REFERENCES):
        ref = (el.text or "").strip()
        if ref.startswith("#") and ref[1:] in renamed:
            el.text = "#" + renamed[ref[1:]]
    for feature in root.iter("{*}*"):
        styles = [c for c in feature if c.tag in _STYLE_SELECTORS]
        if not styles:
            continue
        for s in styles:
            feature.remove(s)
        before = [i for i, c in enumerate(feature) if c.tag in _BEFORE_STYLES]
        at = before[-1] + 1 if before else 0
        for k, s in enumerate(styles):
            feature.insert(at + k, s)
    etree.indent(root, space="    ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")

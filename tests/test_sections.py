"""Template sections, generated: FAR 6.303-2's items in the numberings, casings and wordings
agencies use, with lists nested inside them, some items left out, and text on the heading's
line or below it. Each test asserts the exact sections found."""

from __future__ import annotations

import os
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.fields.dates import extract_dates
from extractors.sections import find_sections
from extractors.types import Document

CI = os.environ.get("CI") == "true"  # one fixed set of examples in CI

# (kind, wordings seen on J&As for that item)
ITEMS = [
    ("agency", ["Agency and Contracting Activity", "Identification of the Agency and the "
                "Contracting Activity", "Requiring Agency"]),
    ("action", ["Nature and/or Description of the Action Being Approved",
                "Nature/Description of Action"]),
    ("supplies", ["Description of Supplies/Services Required to Meet the Agency's Needs",
                  "Description of the Supplies or Services, including the Estimated Value"]),
    ("authority", ["Statutory Authority Permitting Other than Full and Open Competition",
                   "Identification of Statutory Authority", "Authority Cited"]),
    ("unique", ["Demonstration that the Proposed Contractor's Unique Qualifications or the "
                "Nature of the Acquisition Requires Use of the Authority Cited",
                "Rationale Supporting the Use of the Authority"]),
    ("efforts", ["Description of Efforts Made to Ensure that Offers are Solicited from as Many "
                 "Potential Sources as Practicable", "Efforts to Obtain Competition"]),
    ("fair_price", ["Determination by the Contracting Officer that the Anticipated Cost to the "
                    "Government will be Fair and Reasonable"]),
    ("market_research", ["Description of the Market Research Conducted and the Results",
                         "Market Research"]),
    ("other_facts", ["Any Other Facts Supporting the Use of Other than Full and Open "
                     "Competition", "Procurement History"]),
    ("sources", ["Listing of Sources that Expressed, in Writing, an Interest in the Acquisition",
                 "Interested Sources"]),
    ("barriers", ["A Statement of the Actions, if any, the Agency May Take to Remove or "
                  "Overcome any Barriers to Competition"]),
    ("certification", ["Contracting Officer Certification", "Technical and Requirements "
                       "Certification"]),
]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
STYLES = {"dot": lambda n: f"{n}.", "paren": lambda n: f"({n})",
          "close": lambda n: f"{n})", "roman": lambda n: f"{ROMAN[n - 1]}."}
NESTED = {"dot": "a.", "paren": "a)", "close": "(a)", "roman": "1."}


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    style = draw(st.sampled_from(sorted(STYLES)))
    keep = draw(st.lists(st.booleans(), min_size=len(ITEMS), max_size=len(ITEMS)))
    keep[0] = keep[1] = True
    upper = draw(st.booleans())
    lines, want = ["JUSTIFICATION FOR OTHER THAN FULL AND OPEN COMPETITION", ""], []
    for n, ((kind, wordings), kept) in enumerate(zip(ITEMS, keep, strict=True), 1):
        if not kept:
            continue
        title = draw(st.sampled_from(wordings))
        title = title.upper() if upper else title
        number = STYLES[style](n)
        body = "The requirement is described here and continues for a sentence."
        if draw(st.booleans()):
            lines.append(f"{number} {title}: {body}")
        else:
            lines += [f"{number} {title}", body]
        if draw(st.booleans()):  # a list inside the section, in another style
            lines += [f"{NESTED[style]} A first point of the list.", "b. A second point."]
        lines.append("")
        want.append((number.strip("().") if style != "roman" else ROMAN[n - 1], kind))
    return "\n".join(lines), want


@settings(max_examples=150, deadline=None, derandomize=CI)
@given(template=templates())
def test_every_item_of_a_generated_template_is_found(template) -> None:
    text, want = template
    got = [(s.number, s.kind) for s in find_sections(text)]
    assert got == want, text


def test_prose_without_a_template_has_no_sections() -> None:
    text = ("The Army intends to award a sole source contract. 1. This is not a heading in a "
            "sentence.\nIt continues.\n(a) A list item\n(b) Another")
    assert find_sections(text) == ()


@settings(max_examples=60, deadline=None, derandomize=CI)
@given(day=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)))
def test_a_sources_sought_told_in_market_research_sets_no_deadline(day: date) -> None:
    when = day.strftime("%B %-d, %Y")
    text = ("1. Agency and Contracting Activity: Department of the Navy.\n"
            "2. Nature/Description of Action: a sole source order.\n"
            "8. Market Research: Sources sought notice W912-25-SS-01: responses due by "
            f"{when}. Two firms answered.\n"
            "9. Any Other Facts: None.\n")
    types = {d["type"] for d in extract_dates(Document.from_text(text)) if d["date"] ==
             day.isoformat()}
    assert types == {"other"}, types


def test_the_docstring_examples_hold() -> None:
    import doctest

    from extractors import sections
    from extractors.fields import names
    for module in (sections, names):
        assert doctest.testmod(module).failed == 0, module.__name__

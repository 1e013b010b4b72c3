"""What kind of document this is (SCHEMA doc_kind), and for notices: justification,
intent to sole source, or neither."""

from __future__ import annotations

import re
from typing import Any

from fastscan import fast

HEAD = 3000
FR_MARK = re.compile(r"(?:^|\n)\s*(?:AGENCY|ACTION|SUMMARY)\s*:|Start\s+Preamble|\[FR\s+Doc|"
                     r"federalregister\.gov|\b\d{2}\s+FR\s+\d{3,6}\b|\[\d{4}-\d{5}\]|"
                     r"identifier:\s*\"/", re.I)
FR_AWARD = re.compile(r"single[- ]source|sole[- ]source|exception\s+to\s+competition|"
                      r"non-?competitive\s+(?:award|supplement)|program\s+expansion\s+supplement|"
                      r"(?:notice|announcement)\s+of\s+(?:intent\s+to\s+award|(?:proposed\s+)?"
                      r"award)|cooperative\s+agreement|temporary\s+concession|unsolicited", re.I)
JA = re.compile(r"justification\s+(?:and|&)\s+approval|\bJ\s?&\s?A\b|\bJOFOC\b|"
                r"(?:justification|approval)\s+for\s+(?:use\s+of\s+)?other\s+than\s+full\s+and\s+"
                r"open\s+competition|other\s+than\s+full\s+and\s+open\s+competition|"
                r"justification\s+to\s+restrict\s+competition|restricting\s+competition", re.I)
LSJ = re.compile(r"limited[- ]sources?\s+justification|\bLSJ\b|FAR\s+8\.405-6", re.I)
BRAND = re.compile(r"brand[- ]name\s+(?:justification|memorandum|determination|only)|"
                   r"brand[- ]name\s+(?:specific|requirement)\s+justification|"
                   r"brand\s+name\s*[-–—]\s*open\s+market", re.I)
FAIR_OPP = re.compile(r"exception\s+to\s+(?:the\s+)?fair\s+opportunity|fair\s+opportunity\s+"
                      r"exception|FAR\s+16\.505\(b\)\(2\)", re.I)
SSJ_TITLE = re.compile(r"(?:sole|single)[- ]?source\s+justification|S\s?OLE\s+SOURCE\s+"
                       r"JUSTIFICATION|non-?competitive\s+justification|justification\s+for\s+"
                       r"(?:a\s+)?(?:sole|single)[- ]source|sole[- ]source\s+(?:determination|"
                       r"memorandum)", re.I)
SSJ = re.compile(r"sole[- ]source\s+(?:justification|determination|memorandum)|single[- ]source"
                 r"\s+justification|justification\s+for\s+(?:a\s+)?(?:sole|single)"
                 r"|13\.106-1|13\.501|only\s+one\s+source|sole\s+source\s+(?:procurement|"
                 r"purchase|acquisition|award)", re.I)
NOT_JUST = re.compile(r"decision\s+of\s+the\s+comptroller|\bGAO\b|B-\d{6}|protest", re.I)
NOTICE_PAGE = re.compile(r"Notice\s+Type|Notice\s+Date|^\s*(?:SPECIAL\s+NOTICE|PRESOLICITATION|"
                         r"SOURCES\s+SOUGHT)\b", re.I | re.M)
INTENT_OPEN = re.compile(r"^[^.]{0,200}?\b(?:intends?|proposes?|plans?)\s+to\s+(?:award|"
                         r"negotiate|issue|procure|solicit|purchase|contract|enter)", re.I)
# the words that place a buy above or up to the simplified acquisition threshold (SAT)
_EXCEEDS_SAT = r"(?:above|exceed(?:s|ing))\s+the\s+(?:simplified\s+acquisition\s+threshold|SAT)"
_UP_TO_SAT = r"13\.106|13\.101-3|not\s+exceeding\s+the\s+(?:SAT|simplified)"
SIMPLIFIED = re.compile(rf"simplified\s+acquisition|{_UP_TO_SAT}|13\.501|\b13\.5\b|"
                        r"(?:<|up\s+to|below)\s*(?:the\s+)?SAT\b|micro-?purchase\s+threshold",
                        re.I)
ABOVE_SAT = re.compile(rf">\s*SAT\b|{_EXCEEDS_SAT}|6\.302-\d|6\.103-\d|3304\s?\(a\)|"
                       r"3204\s?\(a\)|2304\s?\(c\)|253\s?\(c\)", re.I)
# a J&A under FAR 13.5 (commercial products above the SAT) is a J&A; one for a buy up to the
# SAT under FAR 13.106 is a sole-source justification under simplified procedures
SUBPART_13_5 = re.compile(rf"13\.501|\b13\.5\b|commercial\s+(?:items?|products?)|\b1901\b|"
                          rf"{_EXCEEDS_SAT}", re.I)
BELOW_SAT = re.compile(rf"{_UP_TO_SAT}|(?:<|up\s+to|below|under)\s*(?:the\s+)?SAT\b|"
                       r"micro-?purchase|up\s+to\s+\$\s?\d{3},\d{3}\b", re.I)
GUIDANCE = re.compile(r"\bRead\s+About\b|For\s+Training\s+Purposes|\bguide\s+(?:to|for)\b|"
                      r"frequently\s+asked\s+questions|\bFAQs?\b|\bwebinar\b|"
                      r"this\s+(?:guide|document)\s+(?:provides|explains|describes)", re.I)
SECTION = re.compile(r"(?:^|\n)\s*(?:CUI\s+)?(?:(?P<n>\d{1,2})[.)]|"
                     r"(?P<r>I{1,3}|IV|VI{0,3}|IX|X)\.)\s+[A-Z]")
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
JUSTIFICATION_TYPE = re.compile(r"Notice\s+Type\W{0,5}(?:Justification|J&A)", re.I)
FRAGMENT_START = re.compile(r"^\s*(?:CUI\s*)?(?:\(?(?:[3-9]|1\d)[.)]\s|(?:III|IV|V|VI|VII|"
                            r"VIII|IX|X)\.\s)")


# a form's menu of every authority it can be filled in for ("FAR 6.302 FAR 8.405-6 FAR 13.106-1
# FAR 16.505"), whose box ticked is lost: the menu says nothing about which
MENU = re.compile(r"(?:\bFAR\s+\d{1,2}\.\d{3}(?:-\d+)?[\s,;/|]+){3,}")
# the certifications and approval a whole J&A ends with
CERTIFIED = re.compile(r"\bI\s+certify\s+that\b[^.]{0,200}?\b(?:J\s?&\s?A|justification)\b|"
                       r"\bapprov\w+\s+(?:required\s+)?(?:by|per|IAW|under)\s+FAR\s+6\.304\b",
                       re.I)


def _title_zone(text: str) -> str:
    stripped = re.sub(r"^\s*(?:CUI[^\n]*|SOURCE\s+SELECTION[^\n]*|FOR\s+OFFICIAL[^\n]*)\n",
                      "", text[:1500], flags=re.I)
    return stripped[:450]


def is_guidance(text: str) -> bool:
    """Guides, training slides and FAQs about justifications name companies as examples."""
    return bool(GUIDANCE.search(_title_zone(text)[:300]))


def _starts_mid_document(text: str, titled: bool) -> bool:
    """The first numbered section is III/3 or later: the beginning was lost — unless a title
    stands above a long run of text before it (early sections written inline, not a page
    header repeated over the surviving second page)."""
    first = SECTION.search(text[:1500])
    if not first:
        return False
    number = int(first.group("n")) if first.group("n") else ROMAN[first.group("r")]
    return number >= 3 and not (titled and first.start() > 400)


def doc_kind(text: str, has_authority: bool) -> str:
    head = text[:HEAD]
    title = _title_zone(text)
    if FR_MARK.search(text[:6000]) and FR_AWARD.search(text[:2000]):
        return "fr_sole_source_notice"
    if NOT_JUST.search(head[:600]) and not JA.search(head[:400]):
        return "other"
    if is_guidance(text):
        return "not_a_justification"
    if (NOTICE_PAGE.search(text[:400]) and not JUSTIFICATION_TYPE.search(text[:1500])) or \
            INTENT_OPEN.search(title[:300]):
        return "other"
    titled = bool(JA.search(title[:300]) or SSJ_TITLE.search(title[:300]))
    if (FRAGMENT_START.match(text[:40]) or _starts_mid_document(text, titled)) and not (
            len(text) > 3000 and CERTIFIED.search(text)):
        return "fragment"  # (a long one signed off as a J&A lost its first sections, no more)
    if len(text.strip()) < 350 and (JA.search(text) or SSJ.search(text)):
        return "fragment"
    if menu := MENU.search(title):
        title = title[:menu.start()]  # the form's own title, not its menu of every kind
    simplified = bool(SIMPLIFIED.search(title)) or bool(
        SIMPLIFIED.search(head) and not ABOVE_SAT.search(head) and not MENU.search(head))
    for zone in (title, head):
        if BRAND.search(zone):
            return "brand_name"
        if LSJ.search(zone) and not JA.search(zone[:300]):
            return "lsj"
        if FAIR_OPP.search(zone) and not JA.search(zone[:300]):
            return "fair_opportunity"
        if zone is title and (JA.search(zone) or SSJ_TITLE.search(zone)):
            if JA.search(zone) and not SSJ_TITLE.search(zone) and SUBPART_13_5.search(zone) \
                    and not BELOW_SAT.search(zone):
                return "ja"
            if simplified:
                return "ssj"
            if JA.search(zone) or ABOVE_SAT.search(head):
                return "ja"
            return "ssj"
        if JA.search(zone):
            return "ssj" if simplified else "ja"
    if SSJ.search(head):
        return "ssj"
    if has_authority:
        return "other"
    return "not_a_justification"


VERBS = (r"(?:award|negotiat|issu|procur|purchas|acquir|enter|solicit|plac|contract|modif|"
         r"extend|request|mak|buy|obtain|exercis)")
EXCEPTION_CITES = (r"(?:6\.302-1|6\.103-1|13\.106-1|13\.501|8\.405-6|2304\s?\(c\)\s?\(1\)|"
                   r"3304\s?\(a\)\s?\(1\)|3204\s?\(a\)\s?\(1\)|6\.302-2|6\.103-2)")
INTENT = re.compile(
    r"(?:intends?|intention|intent|plans?|proposes?|anticipates?|will)\s+(?:to\s+)?(?:be\s+)?"
    r"(?:\w+\s+){0,6}?" + VERBS + r"\w*\s+(?:\w+[\s,]+){0,14}?(?:on\s+a\s+)?(?:sole[- ]?source|"
    r"single[- ]source|solely\s+(?:with|to)|non-?competitive|other\s+than\s+full|only\s+one|"
    r"brand[- ]name\s+only|without\s+(?:full\s+and\s+open\s+)?competition|exclusively)|"
    r"notice\s+of\s+(?:the\s+)?intent\w*\s+to\s+(?:award\s+(?:a\s+)?)?(?:sole|single|non-?compet|"
    r"brand[- ]name)|intent\s+to\s+sole[- ]?source|"
    r"(?:intends?|intent)\s+to\s+solely\s+" + VERBS + r"|" + VERBS + r"\w*\s+solely\s+with|"
    r"(?:sole[- ]?source|single[- ]source)\s+(?:basis\s+)?(?:to|with)\s+[A-Z]|"
    r"(?:intends?|intent)\s+to\s+(?:award|negotiate|issue)\s+(?:\w+\s+){0,12}?(?:to|with)\s+"
    r"[A-Z][^.]{0,120}?(?:sole[- ]?source|only\s+(?:responsible\s+)?source|6\.302-1|13\.106-1)|"
    r"(?:intends?|intent)\s+to\s+\w+[^.]{0,150}?(?:authority\s+of|pursuant\s+to|IAW|in\s+"
    r"accordance\s+with|as\s+prescribed\s+by)[^.]{0,60}?" + EXCEPTION_CITES + r"|"
    r"issued\s+as\s+an?,?\s+other\s+than\s+full\s+and\s+open",
    re.I)
NOT_INTENT = re.compile(r"single\s+source\s+of\s+truth|single[- ]award|brand\s+name\s+or\s+"
                        r"equal|full\s+and\s+open\s+competition\s+will|competitive(?:ly)?\s+"
                        r"(?:award|solicit|procure)|8\(a\)\s+competed|is\s+not\s+a\s+sole|"
                        r"full\s+and\s+open\s+requirement|competitive\s+spares|based\s+solely",
                        re.I)
AWARD_DONE = re.compile(r"\bhas\s+(?:been\s+)?awarded|was\s+awarded|award\s+notice", re.I)


def notice_class(text: str, notice: dict[str, Any]) -> tuple[str, str]:
    """(class, reason) for a notice from its type, title and text."""
    title = str(notice.get("title") or "")
    ntype = str(notice.get("type") or notice.get("notice_type") or "")
    body = text[:HEAD]
    if re.search(r"justification", ntype, re.I) and not re.search(r"award", ntype, re.I):
        return "justification", f"notice type is {ntype!r}"
    heading = re.search(r"^\s*(?:" + JA.pattern + r"|(?:limited[- ]sources?|sole[- ]source|"
                        r"single[- ]source|brand[- ]name)\s+justification)", body[:2500],
                        re.I | re.M)
    if JA.search(_title_zone(body)) or heading:
        if not INTENT.search(body[:400]) or JA.search(body[:300]):
            return "justification", "the text is a justification document"
    if re.search(r"\bJ\s?&\s?A\b|justification", title, re.I) and not re.search(
            r"intent", title, re.I):
        return "justification", f"title {title!r} names a justification"
    if CANCELLED.search(title) or CANCELLED.search(text[:300]):
        return "neither", "cancels an earlier notice"
    if _ja_fields(notice) and not RESPONSE.search(text):
        return "justification", "posted with a J&A's fields and invites no responses"
    if ATTACHED_JA.search(text[:HEAD]) and not RESPONSE.search(text):
        return "justification", "says the justification is attached and invites no responses"
    scan = title + "\n" + text
    m = INTENT.search(scan)
    if m and not NOT_INTENT.search(scan[max(0, m.start() - 150): m.end() + 150]):
        if not (AWARD_DONE.search(ntype) and not re.search(r"intent", scan[:600], re.I)):
            return "intent_to_sole_source", f"states an intent: {m.group(0)[:80]!r}"
    return "neither", "no justification or intent to sole source found"


# "Cancel notice of intent to procure …", "CANCELLATION: Notice of Intent", "(Cancelled)"
CANCELLED = re.compile(r"^\W*(?:cancel(?:l?ed|l?ation)?\b|this\s+(?:notice|synopsis)\s+(?:is|has"
                       r"\s+been)\s+cancel)|\bnotice\s+(?:of\s+intent\s+)?(?:is|has\s+been)\s+"
                       r"cancel+ed\b|\(cancel+ed\)", re.I)
# "Attached is a Justification for Other Than Full and Open Competition", "J&A attached"
ATTACHED_JA = re.compile(r"\battached\s+(?:is|are|please\s+find)\s+(?:the\s+|a\s+)?(?:redacted\s+)?"
                         r"(?:J\s?&\s?A|justification|limited[- ]sources?\s+justification)|"
                         r"\b(?:J\s?&\s?A|justification)\b[^.\n]{0,80}\bis\s+attached", re.I)
JA_FIELD = re.compile(r"justification_?authority|ja_statutory_authority|fo_justification", re.I)


def _ja_fields(notice: dict[str, Any], depth: int = 0) -> bool:
    """Whether the notice record carries a J&A's authority field with an award (SAM.gov's
    ``award.justificationAuthority``, FedBizOpps' ``ja_statutory_authority`` beside an award
    number): a justification posted after the award, whatever its text says it intends."""
    awarded = any(notice.get(k) for k in ("award_number", "award_date", "award", "number"))
    for key, value in notice.items():
        if JA_FIELD.search(str(key)) and value and awarded:
            return True
        if isinstance(value, dict) and depth < 2 and _ja_fields(value, depth + 1):
            return True
    return False


RESPONSE = re.compile(
    r"(?:capabilit\w*|respon[sd]\w*|statements?|quot\w+|propos\w+|submi\w+|received|interested"
    r"\s+(?:parties|firms|vendors|sources)|inquiries|objections?|challenges?)[^.]{0,200}?"
    r"(?:not?\s+later\s+than|NLT|by|before|on\s+or\s+before|due|until|deadline)", re.I)
DUE_FIELD = re.compile(r"(?:RESPONSE\s+DATE|Response\s+Due(?:\s+Date)?|Closing\s+Date|Due\s+Date|"
                       r"Offers?\s+Due)[^0-9A-Za-z]{0,20}", re.I)


DOC_KIND_WORDS = {
    "ja": "Justification and approval (FAR 6.303)",
    "lsj": "Limited-sources justification (FAR 8.405-6)",
    "ssj": "Sole/single-source justification",
    "brand_name": "Brand-name justification",
    "fair_opportunity": "Exception to fair opportunity (FAR 16.505)",
    "fr_sole_source_notice": "Federal Register single/sole-source notice",
    "fragment": "Part of a justification",
    "other": "Other document",
    "not_a_justification": "Not a justification",
}


def doc_kind_words(kind: str | None) -> str | None:
    return DOC_KIND_WORDS.get(kind or "", kind)


# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
ABOVE_SAT = fast(ABOVE_SAT)
AWARD_DONE = fast(AWARD_DONE)
BRAND = fast(BRAND)
DUE_FIELD = fast(DUE_FIELD)
FAIR_OPP = fast(FAIR_OPP)
FR_AWARD = fast(FR_AWARD)
FR_MARK = fast(FR_MARK)
GUIDANCE = fast(GUIDANCE)
INTENT = fast(INTENT)
JA = fast(JA)
JUSTIFICATION_TYPE = fast(JUSTIFICATION_TYPE)
LSJ = fast(LSJ)
NOTICE_PAGE = fast(NOTICE_PAGE)
NOT_INTENT = fast(NOT_INTENT)
NOT_JUST = fast(NOT_JUST)
RESPONSE = fast(RESPONSE)
SECTION = fast(SECTION)
SIMPLIFIED = fast(SIMPLIFIED)
SSJ = fast(SSJ)
SSJ_TITLE = fast(SSJ_TITLE)

"""Vendors: the company the action goes to — not competitors, protesters or manufacturers."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.fields.common import sentence_span
from extractors.fields.names import name_after, names_before
from extractors.sections import HISTORY_KINDS, find_sections, section_at
from extractors.types import Document
from fastscan import fast

DATA = Path(__file__).resolve().parent.parent / "data"
SECOND = 0.5  # the probability a second vendor needs (several awardees: a list of awards)
# the items of a template that name the action and its contractor
LEAD_KINDS = frozenset({"agency", "action", "supplies", "unique", "authority"})
SUFFIX = (r"(?:Inc\.?|Incorporated|LLC|L\.L\.C\.?|Corp\.?|Corporation|Co\.|Company|Ltd\.?|"
          r"Limited|LP|L\.P\.|LLP|PLLC|P\.C\.|PBC|GmbH|AG|S\.A\.|N\.V\.|A/S|plc|PLC|INC\.?|"
          r"INCORPORATED|CORP\.?|CORPORATION|COMPANY|LTD\.?|LIMITED)")
STREET = (r"\d{2,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+){1,3}(?:St|Street|Ave|Avenue|Road|"
          r"Rd|Blvd|Boulevard|Drive|Dr|Way|Lane|Ln|Parkway|Pkwy|Court|Ct|Place|Pl|Highway|Hwy|"
          r"Circle|Cir)\b")
WORD = r"(?:[A-Z0-9][\w'’&.\-/]*|&|and|of|de|der|la|the|for|du)"
NAME_SUFFIXED = re.compile(rf"[“\"']?(?P<name>(?:the\s+)?[A-Z0-9][\w'’&.\-/]*"
                           rf"(?:,?\s+{WORD}){{0,7}}?"
                           rf",?\s+{SUFFIX})(?![\w])")
NAME_PLAIN = re.compile(rf"[“\"']?(?P<name>(?:the\s+)?[A-Z0-9][\w'’&.\-/]*(?:\s+{WORD}){{0,6}})"
                        rf"(?=[\s,.;:()\"”]|$)")
CUES = [
    ("proposed_source",
     re.compile(r"(?:proposed|suggested|intended|recommended|selected|apparent|identified)"
                     r"\s+(?:contractor|source|vendor|awardee|offeror|firm)s?(?:\(s\))?(?:\s*(?:is|"
                     r"will\s+be)\s+|\s*:\s*|[ \t]+)", re.I)),
    ("contractor_is",
     re.compile(r"\b(?:the\s+)?(?:contractor|vendor|awardee|supplier|recipient)\s+"
                     r"(?:is|will\s+be)\s+", re.I)),
    # "from the original equipment manufacturer, X", "the sole provider, X,"
    ("oem_comma",
     re.compile(r"(?:original\s+(?:software\s+publisher|equipment\s+manufacturer)|\bOEM|"
                     r"(?:sole|exclusive|single)\s+(?:authorized\s+)?(?:manufacturer|developer|"
                     r"licensor|publisher|provider|distributor|supplier|vendor|source)|"
                     r"only\s+(?:manufacturer|developer|licensor|publisher))\s*"
                     r"(?:\(OEM\)\s*)?,\s*", re.I)),
    ("field_label",
     re.compile(r"(?:^|\n|\b)(?:Contractor|Vendor|Awardee|Recipient|Company|Source|Offeror|"
                     r"Manufacturer)(?:['’]?s)?(?:\s+Name)?(?:\s+and\s+Address)?"
                     r"(?:\s*\([^)\n]{0,30}\))?\s*\*?\s*:\s*|\bRecommended\s+for\s+award\s*:\s*|"
                     r"\bName\s+of\s+(?:the\s+)?(?:proposed\s+)?(?:vendor|contractor|source|"
                     r"company|awardee|offeror|firm)\s*:\s*|"
                     r"\b(?:AWARDEE|VENDOR|CONTRACTOR|OFFEROR|COMPANY|SOURCE)(?:['’]?S)?\s+NAME\s*"
                     r"\*?\s*:?\s*|\b(?:Vendor|Contractor|Awardee|Company)\s+Name\s*:?\s*")),
    ("to_fund",
     re.compile(r"\bTo\s+Fund\s+(?:the\s+)?", re.I)),
    # "the basic IDIQ contract, H94003-04-D-0006 (Raytheon)": a contract and its holder
    ("piid_holder",
     re.compile(r"(?-i:\b[A-Z0-9]{6}-?\d{2}-?[A-Z]-?[A-Z0-9]{4})\s*\(")),
    ("award_made_to",
     re.compile(r"\baward\s+(?:will|shall|is\s+to|is\s+expected\s+to)\s+be\s+made\s+to\s+"
                     r"(?:the\s+)?|\baward\s+is\s+(?:being\s+)?made\s+to\s+(?:the\s+)?|"
                     r"\b(?:only|solely|exclusively)\s+available\s+(?:from|through)\s+(?:the\s+)?|"
                     r"\bavailable\s+(?:only|solely|exclusively)\s+(?:from|through)\s+(?:the\s+)?",
                     re.I)),
    ("award_of_to",
     re.compile(r"\baward\w*\s+(?:of\s+)?(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,4}?(?:"
                     r"cooperative\s+agreement|grant|supplement|contract|agreement|order)\s+(?:in\s+"
                     r"the\s+amount\s+of\s+\S+\s+)?to\s+(?:the\s+)?", re.I)),
    ("only_source_comma",
     re.compile(r"only\s+(?:one\s+)?(?:responsible\s+)?(?:vendor|contractor|source|company|"
                     r"firm|manufacturer|provider)s?\s*,\s*", re.I)),
    # "The only known source (for this requirement) is Zeta Systems"
    ("only_source_is",
     re.compile(r"\bonly\s+(?:(?:known|responsible|available|qualified|capable|viable|"
                     r"authorized|approved|certified)\s+)*(?:[a-z]+\s+)?"
                     r"(?:vendor|contractor|source|company|firm|manufacturer|provider|supplier)"
                     r"(?:\s+(?:for|of|that|who|which|able|capable)\b[^.;:]{0,60}?)?\s+(?:is|was)\s+",
                     re.I)),
    # "Only Rho Dynamics can provide the required parts"
    ("only_x_can",
     re.compile(r"(?-i:\bOnly)\s+(?=(?-i:[A-Z])[^.;:]{0,60}?\s(?:can|could|is\s+able|"
                     r"has\s+the\s+(?:ability|capability))\b)")),
    ("incumbent_comma",
     re.compile(r"incumbent(?:\s+(?:contractor|vendor|firm|company))?\s*,\s*", re.I)),
    ("intends_to_award_to",
     # "intends to (solicit and) award a … purchase order for … to X"
     re.compile(r"\b(?:intends?|proposes?|plans?)\s+to\s+(?:\w+\s+and\s+)?(?:award|issue|"
                r"negotiate|place)\b[^.]{0,160}?\b(?:to|with)\s+(?=(?-i:[A-Z]))", re.I)),
    ("intends_to_solicit",
     re.compile(r"(?:intends?|proposes?|plans?)\s+to\s+(?:solicit|award|negotiate\s+with|"
                     r"contract\s+with)\s+", re.I)),
    ("modification_of_contract_with",
     re.compile(r"(?:follow[- ]on|modification|extension|bridge)\s+(?:to|of|under)\s+"
                     r"(?:the\s+)?(?:contract|order)\s+(?:No\.?\s*)?"
                     r"(?-i:[A-Z0-9][A-Z0-9-]{6,})\s+(?:with|awarded\s+to)\s+", re.I)),
    # "The contractor, ManTech International, possesses …"
    ("the_contractor_comma",
     re.compile(r"\bthe\s+(?:proposed\s+|selected\s+|current\s+)?(?:contractor|vendor|"
                     r"awardee|manufacturer|OEM|company|firm|source),\s+", re.I)),
    ("current_contract_with",
     re.compile(r"(?:current|existing|incumbent|bridge|prior)\s+"
                     r"(?:[\w()-]+\s+){0,5}?(?:contract|order|BPA)\b[^.]{0,90}?\bwith\s+", re.I)),
    ("field_next_line",
     re.compile(r"(?:^|\n)-?\s*(?:Awardee|Awardee\s+Name|Contractor\s+Awarded\s+Name|"
                     r"Vendor\s+Name|Contractor\s+Name)\s*\*?\s*\n-?\s*", re.I)),
    ("proposed_source_paren",
     re.compile(r"proposed\s+(?:contractor|source|vendor)s?\s*\([^)\n]{0,40}\)[^:\n]{0,140}:"
                     r"\s*", re.I)),
    # "can only be performed by GE Healthcare", "serviced exclusively by X", "proprietary to Esri"
    ("only_performed_by",
     re.compile(r"(?:can|could|may)\s+only\s+be\s+(?:performed|provided|supplied|obtained|"
                     r"purchased|serviced|repaired|procured|maintained|furnished)\s+(?:by|from|"
                     r"through)\s+(?:the\s+)?|(?:performed|provided|supplied|serviced|repaired|"
                     r"maintained|furnished|distributed|licensed)\s+(?:exclusively|only|solely)\s+"
                     r"(?:by|from|through)\s+(?:the\s+)?|\bproprietary\s+to\s+", re.I)),
    ("source_controlled",
     re.compile(r"source[- ]controlled\s+to\s+|for\s+this\s+requirement,\s+|"
                     r"(?:manufactured|produced|developed|sold)\s+(?:exclusively\s+|only\s+)?by\s+",
                     re.I)),
    ("sole_source_to",
     re.compile(r"(?:sole[- ]?source|single[- ]source|non-?competitive(?:ly)?|solely|"
                     r"directed|brand[- ]name)\s+(?:[\w-]+\s+){0,7}?(?:to|with|from)(?:\s*:)?\s+",
                     re.I)),
    ("verb_to_with_from",
     re.compile(r"(?:award(?:ed|ing)?|issu(?:e|ed|ing)|negotiat(?:e|ed|ing)|modif(?:y|ied)|"
                     r"extend|place|enter\s+into|solicit|procure[ds]?|purchase[ds]?|"
                     r"acquire[ds]?|obtain(?:ed|ing|s)?|\bplac(?:ed|ing))\s+(?:(?:a|an|the|of|this|its|existing|new|sole|firm|fixed|"
                     r"only|directly|exclusively|solely|"
                     r"price|source|bridge|single|follow-on|purchase|delivery|task|blanket|"
                     r"short-term|interim|noncompetitive|competitive|commercial|current|No\.|contract|"
                     r"(?-i:(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{5,})|"
                     r"[\w-]+-[\w-]+|\([\w-]+\))[\s,]+){0,9}?(?:contract|order|award|modification|"
                     r"agreement|BPA|extension|PO|requirement|item|items|license|licenses|services|"
                     r"supplies)?"
                     r"(?:\s+(?:under|through|via|on|against)\s+(?:the\s+|a\s+|an\s+)?[\w-]+"
                     r"(?:\s+[\w-]+)?)?\s*(?<!up )(?:to|with|from)\s+", re.I)),
]
APPOSED = (r"the\s+(?:current\s+|incumbent\s+|existing\s+|prime\s+)?(?:contractor|vendor|"
           r"awardee|recipient|implementing\s+partner|grantee)\b")
# what follows a vendor's name: "X is the only source", "X's proprietary", "X has the rights"
ROLE = (r"(?:only|sole|single|original|incumbent|current|exclusive|manufacturer|OEM|performing|"
        r"authorized|uniquely\s+(?:qualified|positioned))")
PROPRIETARY = r"(?:proprietary|patented|copyrighted)\b"
HOLDS = (r"(?:currently\s+|alone\s+|uniquely\s+)?(?:has|have|possesses|holds|owns|acquired)\s+"
         r"(?:the\s+)?(?:necessary|required|unique|only|exclusive|proprietary|sole|specialized|"
         r"technical|established|rights|data\s+rights)")
MAKER = (r"(?:the\s+)?(?:authorized|sole|only|original|exclusive)\s+(?:equipment\s+|software\s+)?"
         r"(?:manufacturer|source|provider|developer|owner|licensor|publisher|OEM)")
# "DaTscan is the only FDA-approved agent", "ArcGIS is the only system that…": a product
NOT_A_PRODUCT = (r"(?!(?:\s+[\w-]+){0,2}?\s+(?:agents?|products?|drugs?|devices?|systems?|"
                 r"items?|software|tools?|solutions?|platforms?|instruments?|models?|"
                 r"tests?|medications?|vaccines?|treatments?|technolog(?:y|ies)|applications?|"
                 r"methods?|formats?|radiopharmaceuticals?|compounds?|reagents?|kits?)\b)")
AFTER_CUES = [
    ("is_the_only",
     re.compile(r"^\s*(?:,[^,]{0,60},\s*)?(?:\(.{0,40}\)\s*)?(?:is|are|was|remains|was\s+"
                     r"(?:found|determined)\s+to\s+be|has\s+been\s+(?:identified|determined|found|"
                     r"selected)\s+(?:as|to\s+be)|as)\s+(?:currently\s+|now\s+|still\s+)?"
                     rf"(?:the\s+)?{ROLE}{NOT_A_PRODUCT}", re.I)),
    ("hereafter",
     re.compile(r"^\s*\((?:here(?:in)?after(?:\s+referred\s+to\s+as)?\s+)?[\"“]?(?:the\s+)?"
                     r"(?:OEM|original\s+equipment\s+manufacturer|incumbent|contractor|vendor)"
                     r"[\"”]?\)", re.I)),
    ("proprietary",
     re.compile(rf"^(?:['’]s)?\s+{PROPRIETARY}", re.I)),
    # "from BD Biosciences, the original equipment manufacturer"
    ("comma_only_maker",
     re.compile(rf"^\s*,\s*{MAKER}", re.I)),
    ("holds_rights",
     re.compile(rf"^\s+{HOLDS}", re.I)),
    ("street_address",
     re.compile(rf"^,?\s*(?:{STREET}|P\.?\s?O\.?\s+Box\s+\d)")),
    # "to FHI360, the contractor currently implementing …": a role in apposition
    ("apposed_role",
     re.compile(rf"^,\s+{APPOSED}", re.I)),
]
AFTER_TRIGGER = re.compile(rf"\b(?:is|are|was|remains|be|(?:identified|determined|found|selected)"
                           rf"\s+(?:as|to\s+be))\s+(?:currently\s+|now\s+|still\s+)?"
                           rf"(?:the\s+)?{ROLE}\b|\((?:here(?:in)?after(?:\s+referred\s+to\s+as)?\s+)?"
                           rf"[\"“]?(?:the\s+)?(?:OEM|original\s+equipment|"
                           rf"incumbent|contractor|vendor)|['’]s\s+{PROPRIETARY}|"
                           rf"(?<=[a-z,])\s*{STREET}|\b{HOLDS}|(?<=\w),\s+{APPOSED}|"
                           rf"(?<=[\w.]),\s*{MAKER}",
                           re.I)
DISTRACT = re.compile(r"protest|protester|competitor|trademark|\bFOB\b|mail\s+to|"
                      r"deliver(?:ed|y)\s+to|ship(?:ped)?\s+to|\bAttn\b|Commander|responded|respondent|capability\s+"
                      r"statement|interested\s+(?:part|source|vendor)|originally\s+awarded|other\s+(?:source|vendor|"
                      r"compan)|previous(?:ly)?\s+award|former|reseller|distributor|authorized\s+"
                      r"dealer", re.I)
STOP = re.compile(r"^(?:the\s+)?(?:NOTICES?|SUMMARY|AGENCY|ACTION|SAT|Revision|Fund|VA|"
                  r"Government|Contracting|Department|Agency|Office|United\s+"
                  r"States|U\.S\.|US|FAR|DFARS|Federal|Army|Navy|Air\s+Force|Marine|Bureau|"
                  r"Administration|Service|Center|Command|This|That|These|Such|Any|All|Each|"
                  r"It|A|An|In|On|At|For|To|With|Section|Paragraph|Part|Title|Statement|"
                  r"Justification|Approval|Contract|Order|Task|Delivery|Award|Sole|Single|"
                  r"Brand|Name|Date|Period|Total|Estimated|Only|One|No|None|See|Per|SAM|"
                  r"Unique|Entity|CAGE|UEI|DUNS|NAICS|PSC|Program|Project|Phase|Option|"
                  r"Base|Year|Period|Requirement|Request|Purchase|Item|Product|Services?|"
                  r"Supplies|Equipment|Software|Hardware|Maintenance|Support|Notice|"
                  r"Solicitation|Proposal|Market|Research|Small|Business|Vendor|Contractor|"
                  r"Offeror|Source|Company|Firm|Manufacturer|OEM|Original|Incumbent|"
                  r"Unusual|Compelling|Urgen\w*|Attachment|Enclosure|Table|Figure|Page|"
                  r"Cardiolog\w*|Network|Memorandum|Bulletin|Instruction|Procurement|Detail|Details|"
                  r"Demonstrate|Explain|Describe|Identify|Provide|Bldg|Building|Suite|Room|Division|As|"
                  r"Efforts|Competition|Rationale|They|We|Our|Their|Its|He|She|Us)(?=\W|$)(?!\s*[+&]|-\w)",
                  re.I)
FEDERAL = re.compile(r"^(?:the\s+)?(?:U\.\s?S\.|United\s+States|Department\s+of|Dept\.?\s+of|"
                     r"Federal\s|Fort\s|Camp\s|Joint\s+Base)|\b(?:Agency|Command|Directorate|"
                     r"Contracting\s+Office|VA|VAMC|Medical\s+Center|Air\s+(?:Force\s+)?Base|"
                     r"Naval\s+(?:Station|Base)|National\s+(?:Park|Forest|Laboratory)|"
                     r"(?:American|U\.?S\.?)\s+Embassy|Embassy\s+(?:of|in)|Consulate)\b", re.I)
# (a U.S. embassy or consulate buys; "Embassy Suites" may sell)
SUFFIX_RE = re.compile(SUFFIX + r"$")
# an article, or an adverb opening the sentence: "Only Microsoft Corporation can provide"
LEADING = re.compile(r"^(?:(?:the|a|an)\s+(?![+&])|(?:Only|However|Therefore|Currently|"
                     r"Additionally|"
                     r"Accordingly|Thus|Also|Because|Since|Although|Whereas|Furthermore|"
                     r"Moreover|Consequently|Previously|Presently)(?:,?\s+)|"
                     r"(?:Contractor|Vendor|Awardee|Offeror|Source|Company|Manufacturer),\s+)",
                     re.I)  # or a role label before a comma: "Contractor, NTT Data Services"
UP_TO_SUFFIX = re.compile(rf"^(.*?\b{SUFFIX})(?![\w])")
TRAILING_SUFFIX = re.compile(rf",?\s+{SUFFIX}$")
NAME_BEFORE = re.compile(rf"([A-Z][\w'’&.\-]*(?:,?\s+{WORD}){{0,7}}?(?:,?\s+{SUFFIX})?)\s*$")
TRAIL = re.compile(r"(?:,?\s+(?:and|of|the|for|de|&|to|a|an|in|on|at|by|is))+$|[,.;:\s]+$")
UEI = re.compile(r"\bUEI(?:\s*(?:SAM|Number|No\.?|#))?\s*[:#]?\s*([A-Z0-9]{12})\b")
CAGE = re.compile(r"\bCAGE(?:\s*(?:Code|No\.?|#))?\s*[:#]?\s*([A-Z0-9]{5})\b")
# scanners: the whole-document ones share a Hyperscan pass, the rest use RE2 (fastscan)
CUES = [(name, fast(p, documents=True)) for name, p in CUES]
AFTER_TRIGGER = fast(AFTER_TRIGGER, documents=True)
CAGE = fast(CAGE, documents=True)
UEI = fast(UEI, documents=True)
NAME_BEFORE = fast(NAME_BEFORE)


PROSE = re.compile(r"\b(?:Unless|If|When|Where|Which|Whether|Than|Then|Must|Shall|Should|May|"
                   r"Can|Could|Would|Is|Are|Was|Were|Be|Been|Has|Have|Had|Not|Practicable|"
                   r"Potential)\b")
SENTENCE_BREAK = re.compile(r"(?<!\bInc)(?<!\bCorp)(?<!\bCo)(?<!\bLtd)(?<!\bSt)(?<!\b[A-Z])"
                            r"(?<!\bDr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bMt)(?<!\bJr)(?<!\bSr)"
                            r"\.\s+(?=[A-Z])")


def clean_name(raw: str, keep: str = "first") -> str | None:
    """A company name out of the words a pattern caught, or None. ``keep`` says which side
    of a sentence break holds the name: "first" after a cue, "last" before a trigger."""
    name = re.sub(r"\s+", " ", raw).strip().strip("\"“”'")
    parts = SENTENCE_BREAK.split(name)
    name = parts[0] if keep == "first" else parts[-1]
    name = re.sub(r"['’]s$", "", name)
    name = re.sub(r"(?<=[a-z])\d{3,}.*$", "", name)  # "Amster Howard1562 South Yank Street"
    name = LEADING.sub("", name)
    if re.match(r"^S\s(?![+&])", name) or re.search(r"//|\bCUI\b", name):
        return None  # "S UNIQUE QUALIFICATIONS" left over from "CONTRACTOR'S"
    # stop at the first legal suffix: "Acme Inc. of Denver" → "Acme Inc."
    m = UP_TO_SUFFIX.search(name)
    if m:
        name = m.group(1)
    else:
        name = re.split(r",\s*\d|\s+\d{2,}\s", name)[0]
        prev = None
        while prev != name:
            prev, name = name, TRAIL.sub("", name)
    if not SUFFIX_RE.search(name) and (PROSE.search(name) or (
            name.isupper() and len(name.split()) >= 4
            and re.search(r"\b(?:THE|TO|OF|FOR|IN)\b", name))):
        return None  # "As Many Potential Sources As Practicable Unless", "REFLECT THE CHANGES"
    words = name.split()
    if not words or len(name) < 3 or STOP.match(name) and not SUFFIX_RE.search(name):
        return None
    if re.fullmatch(SUFFIX, name):
        return None
    if FEDERAL.search(name) and not SUFFIX_RE.search(name):
        return None
    if re.search(r"\bFAR\b|\d+\.\d+|\b\d{1,2}\s+(?:[A-Z]{3}\b|(?:January|February|March|April|"
                 r"May|June|July|August|September|October|November|December)\b)", name):
        return None
    if not _mostly_name_words(words, bool(SUFFIX_RE.search(name))):
        return None
    if re.fullmatch(r"[\d\W]+", name) or MONTH_DAY.fullmatch(name):
        return None
    return name


MONTH_DAY = re.compile(r"(?:January|February|March|April|May|June|July|August|September|"
                       r"October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|"
                       r"Dec)\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{4})?", re.I)
SMALL_WORDS = {"of", "and", "the", "for", "de", "la", "du", "der", "on", "in", "at", "&", "+"}


def _mostly_name_words(words: list[str], suffixed: bool) -> bool:
    """Whether most words, small joining words aside, are written as a name's: a capital or a
    digit first, or a capital inside ("iRobot"); a lowercase brand passes before a legal
    suffix ("zenlytic, LLC")."""
    content = [w for w in words if w.lower() not in SMALL_WORDS]
    named = sum(1 for w in content if w[:1].isupper() or w[:1].isdigit()
                or any(c.isupper() for c in w[1:]))
    if suffixed and content and content[0][:1].islower() and len(content) == 2:
        named += 1
    return bool(content) and named >= len(content) * 0.6


def canonical(name: str) -> str:
    base = TRAILING_SUFFIX.sub("", name).strip(" ,")
    return base or name


AUXILIARIES = re.compile(r"(?:\b(?:has|have|had|been|is|are|was|were|also|currently|now|still|"
                         r"therefore|thus|alone)[ \t]+)+$")
ACRONYM = re.compile(r"\(((?:[A-Z]|[a-z](?=[a-z]{0,3}[A-Z]))[A-Za-z&]{1,9}"
                     r"(?:\s[A-Z][A-Za-z&]{1,6})?)\)")  # "(GSMS)", "(iDesign)"


def candidates(doc: Document) -> list[tuple[str, str, int, int]]:
    """(rule, name, start, end): names after a cue phrase (rule = the cue's name), and spaCy
    ORG entities or names before a role phrase, once for each role rule that follows them
    (rule ``org`` for a company with a legal suffix and nothing said of it)."""
    from extractors.nlp import organizations

    text = doc.text
    found: list[tuple[str, str, int, int]] = []
    for rule, cue in CUES:
        for m in cue.finditer(text):
            if text[m.end(): m.end() + 1] in ("'", "’"):
                continue  # "THE PROPOSED CONTRACTOR'S UNIQUE QUALIFICATIONS"
            span = name_after(text, m.end())
            if not span or text.startswith(":", span[1]):
                continue  # a label ("Vendor Name:"), not a name
            name = clean_name(text[span[0]: span[1]])
            if name:
                start = max(span[0], text.find(name, span[0], span[1]))
                found.append((rule, name, start, start + len(name)))
    spans = [(s, e, t) for s, e, t in organizations(text)]
    for trigger in AFTER_TRIGGER.finditer(text):
        edge = trigger.start()
        if aux := AUXILIARIES.search(text, max(0, edge - 40), edge):
            edge = aux.start()  # "Omega Labs ▮has been identified as the only vendor"
        for start, end in names_before(text, edge):
            if not any(p.search(text[end: end + 80]) for _, p in AFTER_CUES):
                break
            if clean_name(text[start:end], keep="last"):
                spans.append((start, end, text[start:end]))
                break
    # spaCy's span and the role phrase's can end together, one missing a first word spaCy
    # did not take for a name ("AA Aaaa, Inc." read as "Aaaa, Inc."): keep the longer
    first = {}
    for start, end, _raw in spans:
        first[end] = min(first.get(end, start), start)
    spans = [(s, e, t) for s, e, t in spans if s == first[e]]
    seen: set[tuple[str, int]] = set()
    for start, end, raw in spans:
        name = clean_name(raw, keep="last")
        if not name:
            continue
        start = end - len(name) if raw.rstrip().endswith(name) else start
        after = text[end: end + 80]
        rules = [rule for rule, pattern in AFTER_CUES if pattern.search(after)]
        if not rules and SUFFIX_RE.search(name):
            rules = ["org"]
        for rule in rules:
            if (rule, start) not in seen:  # spaCy and the role phrase found the same name
                seen.add((rule, start))
                found.append((rule, name, start, start + len(name)))
    return found


def _aliases(text: str, wanted: set[str]) -> dict[str, str]:
    """"Golden State Medical Supply, Inc. (GSMS)": GSMS → the full name, for the short
    names in ``wanted`` (the keys of the candidates: the only ones ever looked up)."""
    out = {}
    for m in ACRONYM.finditer(text):
        if name_key(m.group(1)) not in wanted:
            continue
        head = text[max(0, m.start() - 90): m.start()]
        full = NAME_BEFORE.search(head)
        if full:
            name = clean_name(full.group(1))
            if name and name[0].upper() == m.group(1)[0].upper() and name_key(name) != name_key(
                    m.group(1)):
                out[name_key(m.group(1))] = name
    return out


BRANDED = re.compile(r"\b(?-i:(?P<name>[A-Z][A-Za-z0-9&-]{2,}))\s+(?:brand\s+|branded\s+)?"
                     r"(?:equipment|products?|software|hardware|licen[sc]es?|switches|routers|"
                     r"devices|system|systems|tools|parts|instruments?|platform|subscriptions?|"
                     r"units|kits?|appliances?)\b", re.I)
BRANDED = fast(BRANDED, documents=True)


def brand_candidates(doc: Document) -> list[tuple[float, str, int, int]]:
    """A brand-name justification often names the maker only through its products:
    "Cisco equipment is the industry standard", "the additional Cisco switches"."""
    counts: dict[str, list[re.Match[str]]] = {}
    for m in BRANDED.finditer(doc.text):
        name = clean_name(m.group("name"))
        if name and not FEDERAL.search(name):
            counts.setdefault(name, []).append(m)
    found = []
    for name, matches in counts.items():
        if len(matches) >= 2:
            found.extend(("brand", name, m.start("name"), m.end("name")) for m in matches)
    return found


# what kind of statement each rule reads, so the fit can pool what rare rules share
FAMILY = {
    **dict.fromkeys(("field_label", "field_next_line", "proposed_source",
                     "proposed_source_paren", "to_fund"), "named"),  # "Contractor: X"
    **dict.fromkeys(("only_source_comma", "only_source_is", "only_x_can", "only_performed_by",
                     "source_controlled", "is_the_only", "comma_only_maker", "proprietary",
                     "holds_rights", "oem_comma"), "only"),  # "X is the only source"
    **dict.fromkeys(("org", "brand", "street_address"), "weak"),  # a company, nothing said
}  # every other rule: the action is done with X ("intends to award to X")


@dataclass
class Company:
    """One company the document names, with every mention a rule found."""

    display: str
    first: tuple[int, int]
    rules: dict[str, int] = field(default_factory=dict)
    mentions: int = 0
    distracted: int = 0
    protests: bool = False
    sections: set[str] = field(default_factory=set)


def companies(doc: Document) -> dict[str, Company]:
    """The candidate companies of a document by ``name_key``, aliases merged ("GSMS" into
    "Golden State Medical Supply, Inc."); brand names only when no cue names a company."""
    text = doc.text
    found = candidates(doc)
    if all(rule == "org" for rule, *_ in found):
        found += brand_candidates(doc)
    aliases = _aliases(text, {name_key(name) for _r, name, _s, _e in found})
    sections = find_sections(text)
    out: dict[str, Company] = {}
    for rule, name, start, end in found:
        name = aliases.get(name_key(name), name)
        key = name_key(name)
        if not key:
            continue
        company = out.setdefault(key, Company(name, (start, end)))
        if SUFFIX_RE.search(name) and not SUFFIX_RE.search(company.display):
            company.display = name
        if rule != "org" and (start < company.first[0] or company.rules.keys() == {"org"}):
            company.first = (start, end)  # the evidence: its first mention a rule reads
        company.rules[rule] = company.rules.get(rule, 0) + 1
        company.mentions += 1
        s, e = sentence_span(text, start, end)
        if DISTRACT.search(text[max(s, start - 45): start]) or DISTRACT.search(
                text[end: min(e, end + 40)]):  # around the name, not in it ("Distributors")
            company.distracted += 1  # "protest filed by X", "X, a competitor": near the name
        if re.match(r"[^.]{0,90}?\bprotests\b", text[end: end + 100]):
            company.protests = True  # "Mistral, Inc., a small business of Bethesda, protests"
        if (section := section_at(sections, start)) is not None:
            company.sections.add(section.kind)
    return out


def features(company: Company, everyone: dict[str, Company], text: str) -> dict[str, float]:
    """What the fitted model reads of one candidate (``scripts/train_vendor.py``)."""
    out: dict[str, float] = {f"rule:{rule}": math.log1p(n) for rule, n in company.rules.items()}
    families: dict[str, int] = {}
    for rule, n in company.rules.items():
        families[FAMILY.get(rule, "action")] = families.get(FAMILY.get(rule, "action"), 0) + n
    out.update({f"family:{name}": math.log1p(n) for name, n in families.items()})
    suffixed = [c for c in everyone.values() if SUFFIX_RE.search(c.display)]
    most = max(_cue_kinds(c) for c in everyone.values())
    out["most_cue_kinds"] = float(_cue_kinds(company) == most and most > 0)
    out["most_mentions"] = float(company.mentions == max(c.mentions for c in everyone.values()))
    out["rivals"] = math.log1p(len(everyone) - 1)
    out.update({
        "suffix": float(bool(SUFFIX_RE.search(company.display))),
        "only_suffixed": float(len(suffixed) == 1 and suffixed[0] is company),
        "cue_kinds": float(_cue_kinds(company)),
        "distracted": company.distracted / company.mentions,
        "protests": float(company.protests),
        "first_position": company.first[0] / max(1, len(text)),
        "history_section": float(bool(company.sections & HISTORY_KINDS)),
        "lead_section": float(bool(company.sections & LEAD_KINDS)),
        "words": float(len(company.display.split())),
        "caps": float(company.display.isupper()),
    })
    return out


def eligible(company: Company) -> bool:
    """A company named only beside a protest, a competitor or an earlier award is no
    candidate, however it is named."""
    return company.distracted < company.mentions and not company.protests


def _cue_kinds(company: Company) -> int:
    return len([r for r in company.rules if FAMILY.get(r) != "weak"])


@lru_cache(maxsize=1)
def model() -> dict[str, Any]:
    """The fitted weights: ``extractors/data/vendor_model.json``, made by ``make train``."""
    return json.loads((DATA / "vendor_model.json").read_text(encoding="utf-8"))


def probability(feats: dict[str, float]) -> float:
    fitted = model()
    z = fitted["intercept"] + sum(fitted["weights"].get(k, 0.0) * v for k, v in feats.items())
    return 1.0 / (1.0 + math.exp(-z))


def extract_vendors(doc: Document, limit: int = 5) -> list[dict[str, Any]]:
    """The companies the action goes to, most likely first, each with its evidence and the
    fitted model's probability as ``confidence``; those under the fitted threshold are left
    out, so a document that names no awardee gives an empty list."""
    text = doc.text
    found = companies(doc)
    scored = {key: probability(features(c, found, text)) for key, c in found.items()
              if eligible(c)}
    threshold = model()["threshold"]
    ranked = sorted((k for k in scored if scored[k] >= threshold),
                    key=lambda k: (-scored[k], found[k].first[0]))
    # the most likely company needs only the fitted threshold; any other, an even chance
    ranked = ranked[:1] + [k for k in ranked[1:] if scored[k] >= max(threshold, SECOND)]
    out: list[dict[str, Any]] = []
    kept: list[str] = []  # the keys of ``out`` (a displayed name's key is its own key)
    for key in ranked[:limit]:
        if any(_same_name(key, k) for k in kept):
            continue  # "America, LLC" ends "Elbit Systems of America, LLC"; "Philips" starts
            # "Philips North America": the same company, named once
        kept.append(key)
        display = found[key].display
        start, end = found[key].first
        s, e = sentence_span(text, start, end)
        out.append({"name": display, "canonical": canonical(display),
                    "evidence": doc.evidence(s, e, (start, end)),
                    "confidence": round(scored[key], 2)})
    if out:
        ids = {}
        if m := UEI.search(text):
            ids["uei"] = m.group(1)
        if m := CAGE.search(text):
            ids["cage"] = m.group(1)
        out[0].update(ids)
    return out


def _same_name(a: str, b: str) -> bool:
    """Whether one key starts or ends the other, on word boundaries."""
    short, long = sorted((a, b), key=len)
    return f" {short} " in f" {long} " and (long.startswith(short) or long.endswith(short))


def name_key(name: str) -> str:
    words = re.sub(r"[^a-z0-9 ]+", " ", canonical(name).lower()).split()
    return " ".join(w for w in words if w not in {"the", "inc", "llc", "corp", "co"})

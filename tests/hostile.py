"""A generated corpus of hostile documents, for tests and for trying by hand:

    .venv/bin/python tests/hostile.py OUTDIR    # then: solesource extract OUTDIR/*

Every file here must end as a recorded status with a clear message, within the per-document
limits of time and memory, without stopping the run.
"""

from __future__ import annotations

import io
import os
import random
import sys
import zipfile
import zlib
from pathlib import Path


def _pdf_objects(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from raw object bodies, with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, xref))
    return out.getvalue()


def _page_pdf(content: bytes, media: tuple[int, int] = (612, 792), extra: bytes = b"",
              resources: bytes = b"<< /Font << /F1 4 0 R >> >>") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 5 0 R /Resources %s >>"
        % (media[0], media[1], resources),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
        *([extra] if extra else []),
    ]


def _text_pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def generate(folder: Path) -> dict[str, str]:
    """Write the corpus into ``folder``; returns {file name: what is wrong with it}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    good = _text_pdf("JUSTIFICATION AND APPROVAL. The Army will award a contract to Acme Inc. "
                     "under FAR 6.302-1. The estimated value is $1,200,000. " * 20)
    files: dict[str, tuple[bytes, str]] = {}
    files["empty.pdf"] = (b"", "an empty file")
    files["truncated.pdf"] = (good[: len(good) // 3], "a PDF cut off a third of the way in")
    files["binary-as.pdf"] = (bytes(rng.randrange(256) for _ in range(50_000)),
                              "random bytes served as application/pdf")
    files["header-only.pdf"] = (b"%PDF-1.7\n" + b"\x00\xff" * 5000, "a PDF header and junk")
    bad_xref = good.replace(b"xref", b"xref\n9999 3\n0000000000 65535 f", 1)
    files["bad-xref.pdf"] = (bad_xref.replace(b"startxref\n", b"startxref\n9", 1),
                             "a PDF whose cross-reference table points nowhere")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.add_page()
    pdf.cell(0, 10, "locked")
    files["encrypted.pdf"] = (bytes(pdf.output()), "a password-protected PDF")
    many = FPDF()
    many.set_font("helvetica", size=8)
    for i in range(5000):
        many.add_page()
        many.cell(0, 10, f"page {i + 1}")
    files["pages-5000.pdf"] = (bytes(many.output()), "a PDF with 5,000 pages")
    # a content stream that inflates 1,000-fold: ~300 MB of drawing operators
    bomb = zlib.compress(b"0 0 m 1 1 l S\n" * (300 * 1024 * 1024 // 14), 9)
    files["inflate-bomb.pdf"] = (_pdf_objects(_page_pdf(bomb)),
                                 "a page whose compressed content inflates to 300 MB")
    files["huge-page.pdf"] = (_pdf_objects(_page_pdf(zlib.compress(b"q Q"), (14400, 14400))),
                              "a 200 × 200 inch page with no text (would render to 1.6 GB)")
    image = zlib.compress(b"\x00" * (20000 * 20000 // 8), 9)
    files["huge-image.pdf"] = (_pdf_objects(_page_pdf(
        zlib.compress(b"q 612 0 0 792 0 0 cm /Im1 Do Q"), extra=(
            b"<< /Type /XObject /Subtype /Image /Width 20000 /Height 20000 /ColorSpace "
            b"/DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(image) + image + b"\nendstream"),
        resources=b"<< /XObject << /Im1 6 0 R >> >>")),
        "a scan-like page with a 20,000 × 20,000 image bomb")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document>" + "A" * (300 * 1024 * 1024))
    files["zip-bomb.docx"] = (buf.getvalue(), "a DOCX that inflates to 300 MB")
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i else "")) * 10}">'
                        for i in range(1, 10)).replace("&lol0;", "&lol;")
              + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
              '2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>'
              '</w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        zf.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        zf.writestr("word/document.xml", laughs)
    files["entities.docx"] = (buf.getvalue(), "a DOCX with a billion-laughs entity bomb")
    xxe = laughs.replace('<!ENTITY lol "lol">', '<!ENTITY lol SYSTEM "file:///etc/passwd">')
    buf2 = io.BytesIO()
    with zipfile.ZipFile(buf, "r") as src, zipfile.ZipFile(buf2, "w") as zf:
        for item in src.namelist():
            zf.writestr(item, xxe if item == "word/document.xml" else src.read(item))
    files["external-entity.docx"] = (buf2.getvalue(), "a DOCX that asks for /etc/passwd")
    files["not-a.docx"] = (b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(4000)),
                           "a broken zip named .docx")
    files["script.html"] = (b"<html><script>alert(1)</script><p>Award to <b>Acme Inc.</b> "
                            b"under FAR 6.302-1</p><iframe src=javascript:alert(2)>",
                            "HTML with scripts")
    files["nul-bytes.txt"] = (b"J&A\x00\x00 FAR 6.302-1 \x00" * 1000, "text full of NUL bytes")
    big = bytes(60 * 1024 * 1024)
    files["oversized.pdf"] = (b"%PDF-1.7\n" + big, "a 60 MB file, over the size limit")
    for name, (data, _why) in files.items():
        (folder / name).write_bytes(data)
    return {name: why for name, (_data, why) in files.items()}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for name, why in generate(out).items():
        print(f"{out / name}  ({os.path.getsize(out / name):,} bytes): {why}")

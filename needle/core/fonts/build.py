"""Rebuild NeedleSansSC-Regular.ttf, the font the PDF reports embed (not run by the app).

reportlab embeds TrueType outlines only, and Noto Sans CJK ships PostScript (CFF) outlines, so
this script converts Noto Sans CJK SC Regular to quadratic TrueType outlines and keeps only the
characters a report prints: ASCII and Latin-1, the CJK punctuation and full-width forms, all of
GB 2312's hanzi, every character of the national area names, and every character of the Chinese
translations and demo data in the repository. The font is licensed under the SIL Open Font
License 1.1 (OFL.txt beside it); its reserved font name is "Source", so the subset is renamed
"Needle Sans SC".

Run with fontTools installed (a build tool, not a dependency of Needle):

    pip install fonttools
    python needle/core/fonts/build.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
        [shared/data/cn-admin-divisions/cn_divisions_2021_all_levels.csv.gz]
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
OUT = HERE / "NeedleSansSC-Regular.ttf"
FAMILY = "Needle Sans SC"
MAX_ERROR = 1.0  # font units (of 1000): invisible at any printed size


def wanted_characters(divisions: Path | None) -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x180)}
    chars |= {chr(c) for c in range(0x2000, 0x2070)}  # general punctuation: dashes, quotes, …
    chars |= {chr(c) for c in range(0x2100, 0x2200)} | {chr(c) for c in range(0x2460, 0x24FF)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    chars |= set("←↑→↓▲▼△▽●○■□◆◇★☆√×÷±≤≥≠")
    for high in range(0xA1, 0xF8):  # GB 2312: symbols, then the 6,763 hanzi
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gb2312"))
    texts = [*REPO.glob("needle/locale/*/LC_MESSAGES/django.po"), *REPO.glob("needle/demo/data/*.csv")]
    for path in texts:
        chars |= set(path.read_text(encoding="utf-8"))
    for path in REPO.glob("needle/demo/data/*.csv.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            chars |= set(f.read())
    if divisions is not None:
        with gzip.open(divisions, "rt", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                chars |= set(row["name"])
    return {c for c in chars if c.isprintable() or c == " "}


def load_sc(source: Path) -> TTFont:
    if source.suffix.lower() in (".ttc", ".otc"):
        for font in TTCollection(str(source)).fonts:
            if "SC" in font["name"].getDebugName(1):
                return font
        raise SystemExit(f"{source}: no SC face in the collection")
    return TTFont(str(source))


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines with quadratic glyf ones (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = order
    font["head"].indexToLocFormat = 1
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular (subset of Noto Sans CJK SC)", 3, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    names.setName(FAMILY.replace(" ", "") + "-Regular", 6, 3, 1, 0x409)


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    source = Path(sys.argv[1])
    divisions = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    font = load_sc(source)
    chars = wanted_characters(divisions)
    options = subset.Options()
    options.layout_features = ["kern", "vert", "vrt2"]
    options.name_IDs = ["*"]
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    to_truetype(font)
    rename(font)
    font.save(str(OUT))
    covered = set(TTFont(str(OUT)).getBestCmap())
    sys.stdout.write(f"{OUT.name}: {len(covered)} characters, {OUT.stat().st_size / 1e6:.1f} MB\n")


if __name__ == "__main__":
    main()

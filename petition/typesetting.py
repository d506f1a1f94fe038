"""Printable PDF documents, typeset by Pango and written by cairo a page at a time. Knows no feature.

Pango shapes every script (HarfBuzz), orders right-to-left text (FriBidi) and takes each character
that a font lacks from another installed font (fontconfig), so a name written in Arabic, Chinese,
Punjabi or Inuktitut syllabics prints as its signer wrote it. cairo writes each page to the file
as soon as it is finished, so memory stays flat however long the document grows. The fonts are
Debian's Noto packages, which ``make`` installs (``fonts-noto-core``, ``fonts-noto-cjk``).

Sizes are in PostScript points (1/72 inch), the page's origin at its top left.
"""

from dataclasses import dataclass, replace

import cairocffi as cairo
import pangocairocffi
import pangocffi
from pangocffi import pango as pango_lib

LETTER = (612.0, 792.0)  # 8.5 × 11 inches
SERIF = "Noto Serif"
SANS = "Noto Sans"


@dataclass(frozen=True)
class Style:
    """How a run of text looks: its font, size, weight, leading, alignment and grey."""

    family: str = SERIF
    size: float = 10.5
    bold: bool = False
    italic: bool = False
    leading: float = 1.4  # the distance between baselines, as a multiple of the size
    align: str = "left"  # left, center or right
    grey: float = 0.0  # 0 is black; printing in black and white stays legible up to about 0.4
    hang: float = 0.0  # how far a wrapped line is indented under the first (a name's city, say)
    one_line: bool = False  # cut at the width with an ellipsis rather than wrapped (running headers)

    def but(self, **changes):
        return replace(self, **changes)

    @property
    def line_height(self):
        return self.size * self.leading


ALIGNMENTS = {
    "left": pangocffi.Alignment.LEFT,
    "center": pangocffi.Alignment.CENTER,
    "right": pangocffi.Alignment.RIGHT,
}


def escape(text):
    """Text made safe to put inside Pango markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Document:
    """A PDF being written: text flows down the page and onto the next; pages are never revisited.

    ``decorate(document)``, when given, draws what every page carries (running header, page number)
    as each page starts; ``document.running`` holds the text a running header should show there.
    """

    def __init__(self, target, *, title, author="", size=LETTER, margins=(64.0, 60.0, 60.0, 60.0), decorate=None):
        self.width, self.height = size
        self.top, self.right, self.bottom, self.left = margins
        self.surface = cairo.PDFSurface(target, self.width, self.height)
        self.surface.set_metadata(cairo.PDF_METADATA_TITLE, title)
        if author:
            self.surface.set_metadata(cairo.PDF_METADATA_AUTHOR, author)
        self.cr = cairo.Context(self.surface)
        self.pango = pangocairocffi.create_context(self.cr)
        self.decorate = decorate
        self.running = ""
        self.page = 0
        self.y = None  # where the next line goes on the current page; None before a page starts
        self.unknown_glyphs = 0  # characters no installed font could draw (printed as boxes)
        self._fonts = {}

    # -- the page ---------------------------------------------------------------------------------

    @property
    def text_width(self):
        return self.width - self.left - self.right

    @property
    def text_bottom(self):
        return self.height - self.bottom

    def room(self):
        """How much height is left on the current page (a full page's when none has started)."""
        return self.text_bottom - (self.top if self.y is None else self.y)

    def new_page(self):
        if self.y is not None:
            self.surface.show_page()
        self.page += 1
        self.y = self.top
        if self.decorate is not None:
            self.decorate(self)

    def ensure(self, height):
        """Start a new page unless ``height`` fits below what is already on this one."""
        if self.y is None or self.y + height > self.text_bottom + 0.01:
            self.new_page()

    def space(self, height):
        if self.y is not None:
            self.y += height

    def close(self):
        """Finish the file (cairo then writes the fonts, subset to the characters used)."""
        if self.y is None:
            self.new_page()
        self.surface.finish()

    # -- text -------------------------------------------------------------------------------------

    def font(self, style):
        key = (style.family, style.size, style.bold, style.italic)
        found = self._fonts.get(key)
        if found is None:
            found = pangocffi.FontDescription()
            found.family = style.family
            found.size = pangocffi.units_from_double(style.size)
            found.weight = pangocffi.Weight.BOLD if style.bold else pangocffi.Weight.NORMAL
            found.style = pangocffi.Style.ITALIC if style.italic else pangocffi.Style.NORMAL
            self._fonts[key] = found
        return found

    def layout(self, text, style, width=None, markup=False):
        """A Pango layout of ``text`` (plain, or Pango markup), wrapped to ``width``, lines evenly spaced.

        The base direction stays left to right whatever the text: a right-to-left name is still
        shaped and ordered right to left, but lines up with its neighbours in a list.
        """
        layout = pangocffi.Layout(self.pango)
        pango_lib.pango_layout_set_auto_dir(layout.pointer, False)
        layout.font_description = self.font(style)
        layout.width = pangocffi.units_from_double(width if width is not None else self.text_width)
        layout.wrap = pangocffi.WrapMode.WORD_CHAR
        if style.hang:
            pango_lib.pango_layout_set_indent(layout.pointer, -pangocffi.units_from_double(style.hang))
        if style.one_line:
            layout.ellipsize = pangocffi.EllipsizeMode.END
        layout.alignment = ALIGNMENTS[style.align]
        # Every line the same height, whichever fallback font a script needs: lists stay even.
        attributes = pangocffi.AttrList()
        line_height = pango_lib.pango_attr_line_height_new_absolute(pangocffi.units_from_double(style.line_height))
        attributes.insert(pangocffi.Attribute.from_pointer(line_height))
        layout.attributes = attributes
        if markup:
            layout.apply_markup(text)
        else:
            layout.text = text
        return layout

    def height_of(self, layout):
        return pangocffi.units_to_double(layout.get_size()[1])

    def draw(self, layout, x, y, grey=0.0):
        self.unknown_glyphs += pango_lib.pango_layout_get_unknown_glyphs_count(layout.pointer)
        self.cr.set_source_rgb(grey, grey, grey)
        self.cr.move_to(x, y)
        pangocairocffi.show_layout(self.cr, layout)

    def place(self, text, x, y, style, width=None, markup=False):
        """Draw ``text`` at a fixed place (a header, a footer, a cover), outside the flow; its height."""
        layout = self.layout(text, style, width, markup)
        self.draw(layout, x, y, style.grey)
        return self.height_of(layout)

    def paragraph(self, text, style, markup=False, after=None, indent=0.0, keep_with=0.0, label=None):
        """Flow a paragraph at the current place, on a new page if it does not fit on this one.

        ``keep_with`` is the height of what must follow on the same page (a heading keeps its
        first line of text with it); ``label`` (a list item's number) is drawn in the ``indent``
        before the first line. A paragraph taller than a page is split between its lines.
        """
        layout = self.layout(text, style, self.text_width - indent, markup)
        height = self.height_of(layout)
        lines = layout.get_line_count()
        # Split between pages only a paragraph of four lines or more, two on each side at least.
        split = lines >= 4 and self.y is not None and self.room() >= 2 * style.line_height + keep_with
        if (height + keep_with > self.room() and split) or height > self.text_bottom - self.top:
            self.flow_lines(layout, style, indent, label)
        else:
            self.ensure(height + keep_with)
            if label is not None:
                self.place(label, self.left, self.y, style.but(align="left"), indent)
            self.draw(layout, self.left + indent, self.y, style.grey)
            self.y += height
        self.space(style.size * 0.6 if after is None else after)

    def flow_lines(self, layout, style, indent, label):
        """Draw a paragraph's lines one at a time from the current place, page after page."""
        self.unknown_glyphs += pango_lib.pango_layout_get_unknown_glyphs_count(layout.pointer)
        cairo_t = pangocairocffi._get_cairo_t_from_cairo_ctx(self.cr)
        lines = layout.get_line_count()
        line_height = self.height_of(layout) / lines
        baseline = pangocffi.units_to_double(layout.get_baseline())  # of the first line, from its top
        left_of_line = self.left + indent
        for index in range(lines):
            self.ensure(line_height)
            if index == 0 and label is not None:
                self.place(label, self.left, self.y, style.but(align="left"), indent)
            line = pango_lib.pango_layout_get_line_readonly(layout.pointer, index)
            self.cr.set_source_rgb(style.grey, style.grey, style.grey)
            # Lines after the first of a hanging paragraph start further in, as in the whole layout.
            self.cr.move_to(left_of_line + (style.hang if index else 0.0), self.y + baseline)
            pangocairocffi.pangocairo.pango_cairo_show_layout_line(
                cairo_t, pangocairocffi.ffi.cast("PangoLayoutLine *", line)
            )
            self.y += line_height

    def rule(self, weight=0.5, grey=0.55, after=6.0):
        """A horizontal line across the text width at the current place."""
        self.ensure(weight + after)
        self.cr.set_source_rgb(grey, grey, grey)
        self.cr.set_line_width(weight)
        self.cr.move_to(self.left, self.y)
        self.cr.line_to(self.width - self.right, self.y)
        self.cr.stroke()
        self.y += after

    def columns(self, items, style, count=3, gap=14.0):
        """Flow short texts (names) in ``count`` columns that read downward, page after page.

        Only one page of items is in memory at a time. The last page of a run is balanced: its
        columns share the items evenly instead of the first holding them all.
        """
        width = (self.text_width - gap * (count - 1)) / count
        items = iter(items)
        first = next(items, None)
        if first is None:
            return
        pending = []  # measured (layout, height), not yet drawn
        waiting = [first]
        exhausted = False
        while True:
            if self.y is None or self.room() < style.line_height:
                self.new_page()
            room = self.room()
            # Read until the items would fill every column of what is left of the page.
            filled = sum(h for _, h in pending)
            while not exhausted and filled <= room * count:
                item = waiting.pop() if waiting else next(items, None)
                if item is None:
                    exhausted = True
                    break
                layout = self.layout(item, style, width)
                pending.append((layout, min(self.height_of(layout), room)))
                filled += pending[-1][1]
            fits = filled <= room * count
            target = balanced_height(pending, count, room) if exhausted and fits else room
            drawn, used = self.fill_columns(pending, count, width, gap, target, style.grey)
            del pending[:drawn]
            if exhausted and not pending:
                self.y += used
                return
            self.new_page()

    def fill_columns(self, pending, count, width, gap, target, grey):
        """Draw as many of ``pending`` as fit in ``count`` columns ``target`` high; (how many, height used)."""
        drawn = 0
        tallest = 0.0
        for column in range(count):
            x = self.left + column * (width + gap)
            y = 0.0
            while drawn < len(pending) and y + pending[drawn][1] <= target + 0.01:
                layout, height = pending[drawn]
                self.draw(layout, x, self.y + y, grey)
                y += height
                drawn += 1
            tallest = max(tallest, y)
        return drawn, tallest


def balanced_height(pending, count, room):
    """The least column height, up to ``room``, in which ``pending`` fits in ``count`` columns, in order."""
    heights = [h for _, h in pending]
    low, high = max(heights), room
    if columns_needed(heights, high) > count:
        return room
    # A binary search over the height; a dozen rounds get within a fraction of a point.
    for _ in range(12):
        middle = (low + high) / 2
        if columns_needed(heights, middle) <= count:
            high = middle
        else:
            low = middle
    return high


def columns_needed(heights, target):
    columns, used = 1, 0.0
    for height in heights:
        if used + height > target + 0.01:
            columns += 1
            used = 0.0
        used += height
    return columns

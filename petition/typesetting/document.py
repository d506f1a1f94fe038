"""A PDF being written, page after page: paragraphs that flow, text at fixed places, rules, columns."""

from petition.typesetting.bindings import cairo, pango_lib, pangocairocffi, pangocffi
from petition.typesetting.columns import flow_columns
from petition.typesetting.style import ALIGNMENTS, LETTER


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
        # Sizes are points, as the page's are: Pango would otherwise take them at a screen's 96 dpi.
        pangocairocffi.set_resolution(self.pango, 72)
        # Left to right, not "weak" left to right: a line that starts with a right-to-left name
        # would otherwise be laid out as a right-to-left paragraph, its city before it.
        pango_lib.pango_context_set_base_dir(self.pango.pointer, pango_lib.PANGO_DIRECTION_LTR)
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
        if markup:
            layout.apply_markup(text)
        else:
            layout.text = text
        # Added to what the markup set (bold, italics), on a copy: the layout keeps its own list.
        marked = pango_lib.pango_layout_get_attributes(layout.pointer)
        if marked == pangocffi.ffi.NULL:
            attributes = pangocffi.AttrList()
        else:
            attributes = pangocffi.AttrList.from_pointer(pango_lib.pango_attr_list_copy(marked), gc=True)
        # Every line the same height, whichever fallback font a script needs: lists stay even.
        line_height = pango_lib.pango_attr_line_height_new_absolute(pangocffi.units_from_double(style.line_height))
        # Inserted by Pango itself: pangocffi's AttrList.insert takes a reference it never gives
        # back, which kept every layout's list alive (memory grew with the names printed).
        pango_lib.pango_attr_list_insert(attributes.pointer, line_height)
        # A word broken at the end of a line gets no hyphen of Pango's: in a name or a link, a
        # hyphen that was never typed would be read as part of it.
        no_hyphens = pango_lib.pango_attr_insert_hyphens_new(False)
        pango_lib.pango_attr_list_insert(attributes.pointer, no_hyphens)
        layout.attributes = attributes
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
        flow_columns(self, items, style, count, gap)

"""Short texts (names) in columns that read downward, page after page, the last page balanced."""


def flow_columns(document, items, style, count, gap):
    """See ``Document.columns``: only one page of items is measured and held at a time."""
    width = (document.text_width - gap * (count - 1)) / count
    items = iter(items)
    first = next(items, None)
    if first is None:
        return
    pending = []  # measured (layout, height), not yet drawn
    waiting = [first]
    exhausted = False
    while True:
        if document.y is None or document.room() < style.line_height:
            document.new_page()
        room = document.room()
        # Read until the items would fill every column of what is left of the page.
        filled = sum(h for _, h in pending)
        while not exhausted and filled <= room * count:
            item = waiting.pop() if waiting else next(items, None)
            if item is None:
                exhausted = True
                break
            layout = document.layout(item, style, width)
            pending.append((layout, min(document.height_of(layout), room)))
            filled += pending[-1][1]
        fits = filled <= room * count
        target = balanced_height(pending, count, room) if exhausted and fits else room
        drawn, used = fill_columns(document, pending, count, width, gap, target, style.grey)
        del pending[:drawn]
        if exhausted and not pending:
            document.y += used
            return
        document.new_page()


def fill_columns(document, pending, count, width, gap, target, grey):
    """Draw as many of ``pending`` as fit in ``count`` columns ``target`` high; (how many, height used)."""
    drawn = 0
    tallest = 0.0
    for column in range(count):
        x = document.left + column * (width + gap)
        y = 0.0
        while drawn < len(pending) and y + pending[drawn][1] <= target + 0.01:
            layout, height = pending[drawn]
            document.draw(layout, x, document.y + y, grey)
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

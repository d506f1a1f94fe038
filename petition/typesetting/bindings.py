"""cairo and Pango, through their cffi bindings, imported once for the package."""

import warnings

import cairocffi as cairo

# The bindings read their C declarations from files they leave for the collector to close.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ResourceWarning)
    import pangocairocffi
    import pangocffi
    from pangocffi import pango as pango_lib

__all__ = ["cairo", "pango_lib", "pangocairocffi", "pangocffi"]

"""Figures for payback's pictures: the house style, a title and subtitle that fit, axes
placed from their labels' sizes, and PNG bytes (matplotlib, Agg backend).

Every picture (``sim.report.pictures`` for a run, ``sim.sweep.pictures`` for a sweep,
``sim.compare.comparison`` for a comparison) is made with ``new_figure``, headed with
``add_heading`` and encoded with ``png_bytes``.
"""

import io
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import rcParams  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image, PngImagePlugin  # noqa: E402

from sim.io.files import WriteError, atomic_path  # noqa: E402

FIGSIZE = (8.0, 4.8)
DPI = 130
TITLE_SIZE = 12
SUBTITLE_SIZE = 8.5
SUBTITLE_COLOR = "#666666"


def new_figure(width, height, layout="constrained", **subplots):
    """A figure of ``width`` x ``height`` inches and its axes (``fig.subplots(**subplots)``)."""
    # drawn at the DPI it is saved at, so that the texts measured to place it are
    # measured once, at the size they are drawn
    fig = plt.figure(figsize=(width, height), dpi=DPI, layout=layout)
    axes = fig.subplots(**subplots) if subplots else fig.add_subplot()
    return fig, axes


def add_heading(fig, title, subtitle):
    """Title and a grey one-line subtitle above the axes, fitted to the figure's width.

    The subtitle shrinks down to 6.5 pt, then wraps, rather than run past the edge.

    Returns
    -------
    float
        Inches the heading takes from the top of the figure, which the axes and
        their titles must stay below (a layout engine, if any, is told so).
    """
    renderer = fig.canvas.get_renderer()
    width = fig.get_figwidth() * fig.dpi * 0.98
    height = fig.get_figheight()
    top = 1 - 0.08 / height
    title_text = fig.text(0.01, top, title, fontsize=TITLE_SIZE, ha="left", va="top", gid="title")
    _fit(title_text, renderer, width, TITLE_SIZE, 10)
    below = title_text.get_window_extent(renderer).height / fig.dpi
    subtitle_text = fig.text(0.01, top - (below + 0.04) / height, subtitle, fontsize=SUBTITLE_SIZE,
                             color=SUBTITLE_COLOR, ha="left", va="top", gid="subtitle")
    _fit(subtitle_text, renderer, width, SUBTITLE_SIZE, 6.5)
    below += 0.04 + subtitle_text.get_window_extent(renderer).height / fig.dpi
    taken = 0.08 + below + 0.06
    if fig.get_layout_engine() is not None:  # the sweep's pictures keep constrained layout
        fig.get_layout_engine().set(rect=(0, 0, 1, 1 - taken / height))
    return taken


# The run's pictures are placed once, in inches, without a layout engine. Constrained
# layout measured every tick of every axes twice a picture before drawing it, a large
# share of the report's time. What varies from run to run (tick
# labels, axis labels, titles, legends beside the axes) is measured as text instead,
# never drawing a tick: the same margins at a fraction of the cost.
PAD = 0.06  # inches between the figure's edge, or two neighbours, and what they hold
_POINT = 1 / 72  # inches


def size_inches(fig, artist):
    """Width and height of a text or legend as drawn, inches (0 for an empty text)."""
    if isinstance(artist, Text) and not (artist.get_visible() and artist.get_text()):
        return 0.0, 0.0
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.width / fig.dpi, box.height / fig.dpi


def _tick_labels(fig, axis, name):
    """Visible tick labels of an axis as (position in the view 0-1, width, height in inches).

    From its locator and formatter, as the axis will draw them, without making ticks.
    """
    params = axis.get_tick_params()
    if not params.get("labelbottom" if name == "x" else "labelleft", True):
        return []
    font = FontProperties(size=params.get("labelsize", rcParams[f"{name}tick.labelsize"]))
    low, high = axis.get_view_interval()
    scale = axis.get_transform()
    ends = scale.transform([min(low, high), max(low, high)])
    labels = []
    for locator, formatter in ((axis.get_major_locator(), axis.get_major_formatter()),
                               (axis.get_minor_locator(), axis.get_minor_formatter())):
        locations = np.asarray(locator(), dtype=float)
        span = ends[1] - ends[0] or 1.0
        where = (scale.transform(locations) - ends[0]) / span if locations.size else locations
        inside = (where > -1e-9) & (where < 1 + 1e-9)
        texts = formatter.format_ticks(list(locations[inside]))
        for position, text in zip(where[inside], texts, strict=True):
            if text:
                width, height = size_inches(fig, Text(text=text, fontproperties=font, figure=fig))
                labels.append((float(position), width, height))
    return labels


def _needs(fig, ax):
    """Inches an axes' own labels reach beyond its left, bottom, top and right edges."""
    tick = (rcParams["xtick.major.size"] + rcParams["xtick.major.pad"]) * _POINT
    x_labels, y_labels = _tick_labels(fig, ax.xaxis, "x"), _tick_labels(fig, ax.yaxis, "y")
    left = tick + max((w for _, w, _ in y_labels), default=0.0)
    ylabel = size_inches(fig, ax.yaxis.label)[0]
    if ylabel:
        left += ax.yaxis.labelpad * _POINT + ylabel
    bottom = tick + max((h for _, _, h in x_labels), default=0.0)
    xlabel = size_inches(fig, ax.xaxis.label)[1]
    if xlabel:
        bottom += ax.xaxis.labelpad * _POINT + xlabel
    titles = [size_inches(fig, t)[1] for t in ax.get_children() if isinstance(t, Text)
              and t.get_text() in {ax.get_title(loc) for loc in ("left", "center", "right")} - {""}]
    # the highest y tick label is centred on the axes' top edge: half of it stands above
    top = max([rcParams["axes.titlepad"] * _POINT + max(titles, default=0.0) if titles else 0.0,
               *(h / 2 for _, _, h in y_labels)])
    # a label centred on the right end of the x axis stands half outside it
    right = max((w / 2 for position, w, _ in x_labels if position > 0.97), default=0.0)
    return {"left": left, "bottom": bottom, "top": top, "right": right}


def place_axes(fig, axes, heading, right=0.0, left=0.0):
    """Fix the grid of ``axes`` in the figure from its labels' sizes, in inches.

    Parameters
    ----------
    heading : float
        Inches taken from the top (by ``add_heading`` and anything above the axes).
    right, left : float
        Inches needed beside the grid (legends or notes outside the axes), in
        addition to the axes' own labels.
    """
    axes = list(np.ravel(axes))
    rows, columns = axes[0].get_subplotspec().get_geometry()[:2]
    needs = [_needs(fig, ax) for ax in axes]
    row = [ax.get_subplotspec().rowspan.start for ax in axes]
    column = [ax.get_subplotspec().colspan.start for ax in axes]

    def most(side, where, index):
        return max((n[side] for n, i in zip(needs, where, strict=True) if i == index), default=0.0)

    width, height = fig.get_size_inches()
    margin = {"left": PAD + left + most("left", column, 0),
              "right": PAD + max(right, most("right", column, columns - 1)),
              "top": heading + most("top", row, 0),
              "bottom": PAD + most("bottom", row, rows - 1)}
    gap_x = max((most("right", column, j - 1) + most("left", column, j) + PAD for j in range(1, columns)),
                default=0.0)
    gap_y = max((most("bottom", row, i - 1) + most("top", row, i) + PAD for i in range(1, rows)), default=0.0)
    # The axes' own texts (an effect written right of a dot near 100%, say) can reach
    # past the edge once the grid is placed: that side widens, and the grid is placed
    # again. Each round leaves at most the text's distance from the axes' edge as a
    # share of their width, so a few rounds settle it.
    for _ in range(4):
        axes_width = (width - margin["left"] - margin["right"] - (columns - 1) * gap_x) / columns
        axes_height = (height - margin["top"] - margin["bottom"] - (rows - 1) * gap_y) / rows
        fig.subplots_adjust(left=margin["left"] / width, right=1 - margin["right"] / width,
                            bottom=margin["bottom"] / height, top=1 - margin["top"] / height,
                            wspace=gap_x / axes_width, hspace=gap_y / axes_height)
        beyond = _beyond(fig, axes, heading)
        if max(beyond.values()) < 0.5 / fig.dpi:  # half a pixel
            break
        for side, inches in beyond.items():
            margin[side] += max(inches, 0.0)


def _beyond(fig, axes, heading):
    """Inches the axes' texts reach past each edge: the figure's less PAD, the heading's above."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.get_size_inches() * fig.dpi
    beyond = dict.fromkeys(("left", "right", "top", "bottom"), -np.inf)
    for ax in axes:
        for text in ax.texts:
            if not (text.get_visible() and text.get_text()):
                continue
            box = text.get_window_extent(renderer)
            for side, pixels in (("left", PAD * fig.dpi - box.x0), ("right", box.x1 - (width - PAD * fig.dpi)),
                                 ("top", box.y1 - (height - heading * fig.dpi)), ("bottom", PAD * fig.dpi - box.y0)):
                beyond[side] = max(beyond[side], pixels / fig.dpi)
    return beyond


def legend_width(fig, legend):
    """Inches a legend anchored at (1.01, 1) of its axes takes right of them.

    The 1% of the axes' width is counted as 1% of the figure's, a little more.
    """
    return 0.01 * fig.get_figwidth() + legend.borderaxespad * legend.prop.get_size_in_points() * _POINT \
        + size_inches(fig, legend)[0]


def _fit(text, renderer, width, size, smallest):
    while text.get_window_extent(renderer).width > width and size > smallest:
        size -= 0.5
        text.set_fontsize(size)
    extent = text.get_window_extent(renderer).width
    if extent > width:
        content = text.get_text()
        characters = max(20, int(len(content) * width / extent) - 2)
        text.set_text("\n".join(textwrap.wrap(content, characters)))


def save_png(fig, path):
    write_png(png_bytes(fig), path)


def write_png(png, path):
    with atomic_path(path) as temporary:
        temporary.write_bytes(png)


# zlib level 3 on the three colour channels: faster to encode than matplotlib's own
# level 6 with alpha, and smaller
PNG_COMPRESSION = 3


def png_bytes(fig):
    """The figure drawn at ``DPI`` as PNG bytes (the figure is closed).

    An opaque picture is written without its alpha channel; with the dpi and
    software matplotlib itself writes.
    """
    fig.set_dpi(DPI)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    if (pixels[..., 3] == 255).all():
        pixels = np.ascontiguousarray(pixels[..., :3])
    plt.close(fig)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="png", compress_level=PNG_COMPRESSION, dpi=(DPI, DPI), pnginfo=info)
    return out.getvalue()


def place_under_legend(fig, axes, heading, legend, label_gid):
    """Fix a column of panels under ``heading`` (inches) and a ``legend`` that runs above the
    first panel, aligned with it; the left margin fits the texts marked ``label_gid`` (each
    row's label, written outside the axes)."""
    labels = [size_inches(fig, t)[0] for ax in axes for t in ax.texts if t.get_gid() == label_gid]
    place_axes(fig, axes, heading + size_inches(fig, legend)[1] + PAD,
               left=max(labels, default=0.0) + 0.015 * fig.get_figwidth())
    legend.set_bbox_to_anchor((axes[0].get_position().x0, 1 - heading / fig.get_figheight()),
                              transform=fig.transFigure)


def plots_directory(plots):
    """The directory ``plots`` of a run's pictures, made if need be, and whether it was made now (to remove it if nothing
    is drawn into it).

    Raises
    ------
    sim.io.files.WriteError
        In one line, before anything is drawn: a link there (the pictures would go through it,
        out of the run directory), a file there, or a directory that cannot be made.
    """
    plots = Path(plots)
    try:
        if plots.is_symlink():
            raise WriteError(f"{plots}: a symbolic link; payback draws nothing through a link out of the run"
                             " directory: remove it (its target is not touched) to draw the pictures")
        if plots.exists() and not plots.is_dir():
            raise WriteError(f"{plots}: a file, not a directory; move it away to draw the pictures")
        created = not plots.exists()
        plots.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"{plots}: cannot write ({error.strerror or error})") from None
    return plots, created


__all__ = ["DPI", "FIGSIZE", "PAD", "add_heading", "legend_width", "new_figure", "place_axes", "place_under_legend",
           "plots_directory", "png_bytes", "save_png", "size_inches", "write_png"]

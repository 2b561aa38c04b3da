"""Plotting functions used by the lectures and widgets; each takes ``ax=None`` and returns the axes."""

from __future__ import annotations

import io
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from .activations import get_activation, reference_curve, saturation_mask

FUNCTION_COLOR = "tab:blue"
DERIVATIVE_COLOR = "tab:orange"
YOURS_COLOR = "black"
HANGUL_FONT = "NanumSquare"  # shipped in resources/fonts with its licence (SIL OFL 1.1)


def use_hangul_font():
    """Let every plot show Korean: register the shipped NanumSquare font and make it matplotlib's fallback.

    It is appended to ``font.family``, so Latin text keeps the current font and only the glyphs that font lacks
    (Hangul) come from NanumSquare, on any machine, with no system font. Called once when ``nnlab.plots`` is
    imported (the widgets import it too). Mathtext has no fallback: keep Korean outside ``$...$`` strings.
    """
    folder = resources.files("nnlab").joinpath("resources", "fonts")
    for name in ("NanumSquareR.ttf", "NanumSquareB.ttf"):
        font_manager.fontManager.addfont(str(folder.joinpath(name)))
    family = list(matplotlib.rcParams["font.family"])
    if HANGUL_FONT not in family:
        matplotlib.rcParams["font.family"] = [*family, HANGUL_FONT]


use_hangul_font()


def _contiguous_regions(mask: np.ndarray):
    """Yield (start, stop) index pairs of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return zip(edges[::2], edges[1::2] - 1, strict=True)


def plot_activation(
    name,
    ax=None,
    z_range=(-6.0, 6.0),
    alpha=0.01,
    show_derivative=True,
    mark_saturation=True,
    yours=None,
    yours_derivative=None,
):
    """Draw an activation's stored reference curve (and derivative) over ``z_range``; overlay the student's.

    ``yours`` and ``yours_derivative`` are callables taking an array ``z``
    (leaky ReLU's are also passed ``alpha``). If one raises, the error is shown
    in the legend instead of stopping the plot.
    """
    activation = get_activation(name)
    if ax is None:
        ax = plt.gca()
    z, values, slope = reference_curve(name, z_range, alpha)

    if mark_saturation:
        for k, (start, stop) in enumerate(_contiguous_regions(saturation_mask(slope))):
            ax.axvspan(
                z[start],
                z[stop],
                color="tab:red",
                alpha=0.12,
                lw=0,
                label="gradient < 5% of its peak" if k == 0 else None,
            )

    ax.plot(z, values, color=FUNCTION_COLOR, lw=2.5, label=f"{name}(z)")
    if show_derivative:
        ax.plot(z, slope, color=DERIVATIVE_COLOR, lw=2, label=f"{name}'(z)")

    extra = {"alpha": alpha} if name == "leaky_relu" else {}
    for student_fn, label, wanted in [
        (yours, f"your {name}", True),
        (yours_derivative, f"your {name}'", show_derivative),
    ]:
        if student_fn is None or not wanted:
            continue
        try:
            student_values = np.asarray(student_fn(z.copy(), **extra), dtype=float)
            if student_values.shape != z.shape:
                raise ValueError(f"returned shape {student_values.shape}, expected {z.shape}")
            ax.plot(z, student_values, color=YOURS_COLOR, ls="--", lw=1.5, label=label)
        except NotImplementedError:  # the exercise's stub, untouched
            name_written = getattr(student_fn, "__name__", label)
            ax.plot([], [], " ", label=f"{label}: finish `{name_written}` above to see your curve here")
        except Exception as error:  # show the student's error in the legend instead of failing
            ax.plot([], [], " ", label=f"{label}: {type(error).__name__}: {error}"[:70])

    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(z_range)
    ax.set_xlabel("z")
    ax.set_title(f"{name}: {activation.formula}   range {activation.output_range}")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_curves(names, ax=None, z_range=(-6.0, 6.0), alpha=0.1, title=None):
    """Draw several stored reference activations on one pair of axes, to compare their shapes."""
    if ax is None:
        ax = plt.gca()
    for k, name in enumerate(names):
        label = f"{name} (alpha = {alpha:g})" if name == "leaky_relu" else name
        z, values, _ = reference_curve(name, z_range, alpha)
        ax.plot(z, values, ls=["-", "--", ":", "-."][k % 4], lw=2, label=label)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(xlabel="z", ylabel="g(z)", title=title or " vs ".join(names))
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_softmax(scores, probabilities, ax=None, labels=None, title="softmax turns scores into probabilities"):
    """Bar chart of the probabilities that softmax gave ``scores`` (computed by the caller), scores annotated."""
    scores = np.asarray(scores, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    if scores.shape != probabilities.shape or scores.ndim != 1:
        raise ValueError(f"scores and probabilities must be 1-D and of one length; got {scores.shape}, "
                         f"{probabilities.shape}")
    if ax is None:
        ax = plt.gca()
    labels = labels or [f"class {i}" for i in range(len(scores))]
    bars = ax.bar(labels, probabilities, color=FUNCTION_COLOR)
    for bar, p, s in zip(bars, probabilities, scores, strict=True):
        ax.annotate(
            f"{p:.3f}\n(score {s:g})",
            (bar.get_x() + bar.get_width() / 2, p),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("probability")
    ax.set_title(title)
    return ax


def plot_neuron(n_inputs=3, ax=None, title=None):
    """One neuron: inputs x_i times weights w_i, summed with the bias into z = wᵀx + b, then a = g(z).

    Labels are English with the Korean term beside them (Hangul comes from the shipped fallback font); the
    formulas are separate mathtext strings, because mathtext cannot fall back to another font.
    """
    n = int(n_inputs)
    if not 1 <= n <= 4:
        raise ValueError(f"n_inputs must be between 1 and 4, got {n_inputs!r}")
    if ax is None:
        ax = plt.gca()
    arrow = {"arrowstyle": "-|>", "lw": 1.3, "color": "black", "shrinkA": 0, "shrinkB": 0}
    half = min(0.9 * (n - 1), 1.05)  # inputs 0.9 apart, 0.7 for four
    ys = np.linspace(half, -half, n)
    top, bottom = max(ys[0], 0.9), min(ys[-1], -0.9)
    center, radius = np.array([4.0, 0.0]), 0.55  # the weighted sum
    g_left, g_right = 6.2, 7.4  # the activation's box
    for i, y in enumerate(ys, start=1):
        ax.add_patch(Circle((0.0, y), 0.32, facecolor="#d9f0d3", edgecolor="black", zorder=3))
        ax.text(0.0, y, f"$x_{{{i}}}$", ha="center", va="center", fontsize=12, zorder=4)
        start = np.array([0.32, y])
        direction = (center - start) / np.linalg.norm(center - start)
        end = center - radius * direction
        ax.annotate("", xy=end, xytext=start, arrowprops=arrow)
        label_at = start + 0.42 * (end - start)
        ax.text(label_at[0], label_at[1] + 0.1, f"$w_{{{i}}}$", ha="center", va="bottom", fontsize=12,
                color=FUNCTION_COLOR)
    ax.text(0.0, bottom - 0.55, "inputs (입력)", ha="center", va="top", fontsize=10)
    ax.text(1.8, top + 0.75, "weights (가중치)", ha="center", va="center", fontsize=10, color=FUNCTION_COLOR)
    ax.add_patch(Circle(center, radius, facecolor="#dbe9f6", edgecolor="black", zorder=3))
    ax.text(*center, r"$\Sigma$", ha="center", va="center", fontsize=17, zorder=4)
    ax.text(4.0, top + 0.75, "$b$", ha="center", va="center", fontsize=12,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fde3cc", "edgecolor": "black"})
    ax.text(4.3, top + 0.75, "bias (편향)", ha="left", va="center", fontsize=10)
    ax.annotate("", xy=(4.0, radius), xytext=(4.0, top + 0.5), arrowprops=arrow)
    ax.annotate("", xy=(g_left, 0.0), xytext=(center[0] + radius, 0.0), arrowprops=arrow)
    ax.text((center[0] + radius + g_left) / 2, 0.1, "$z$", ha="center", va="bottom", fontsize=12)
    ax.add_patch(FancyBboxPatch((g_left, -0.45), g_right - g_left, 0.9, boxstyle="round,pad=0.05",
                                facecolor="#fde3cc", edgecolor="black", zorder=3))
    ax.text((g_left + g_right) / 2, 0.0, "$g$", ha="center", va="center", fontsize=15, zorder=4)
    ax.annotate("", xy=(8.9, 0.0), xytext=(g_right, 0.0), arrowprops=arrow)
    ax.text(9.0, 0.0, "$a$", ha="left", va="center", fontsize=13)
    ax.text(8.75, 0.3, "output (출력)", ha="center", va="bottom", fontsize=10)
    ax.add_patch(FancyBboxPatch((3.25, -0.8), 4.45, 1.6, boxstyle="round,pad=0.1", facecolor="none",
                                edgecolor="grey", linestyle="--", zorder=1))
    ax.text(7.75, 0.95, "one neuron (뉴런)", ha="right", va="bottom", fontsize=10, color="dimgrey")
    ax.text(3.9, -1.15, "weighted sum (가중합)", ha="center", va="top", fontsize=10)
    ax.text(3.9, -1.6, "$z = w^{T}x + b$", ha="center", va="top", fontsize=12)
    ax.text(6.85, -1.15, "activation function (활성화 함수)", ha="center", va="top", fontsize=10)
    ax.text(6.85, -1.6, "$a = g(z)$", ha="center", va="top", fontsize=12)
    ax.set_xlim(-0.6, 9.6)
    ax.set_ylim(min(bottom - 1.0, -2.2), top + 1.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or "a neuron: a weighted sum, then an activation")
    return ax


def figure_to_png(figure: Figure, under=None) -> bytes:
    """Render ``figure`` to PNG bytes at its own size and dpi, quickly: what the widgets show in an Image.

    No tight bounding box (it draws the figure twice) and light compression (three times faster than the
    default, for a picture that only travels to the browser): the widgets fix their layout once instead.
    ``under``, grey levels (uint8) of the rendered figure's size, shows where the figure is lighter: a
    large picture put there pixel for pixel costs a small part of what ``imshow`` does with it.
    """
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    if under is not None:
        pixels = pixels.copy()
        h, w = min(pixels.shape[0], under.shape[0]), min(pixels.shape[1], under.shape[1])  # in case of rounding
        np.minimum(pixels[:h, :w, :3], under[:h, :w, None], out=pixels[:h, :w, :3])
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class InitializationPanels:
    """The initialisation explorer's picture on ``figure``: made once, then updated in place by `show`.

    Top: one histogram of activations per layer (room for ``max_depth`` layers). Bottom, layer by layer
    on one log scale: the spread of the activations, the mean slope g'(z) and the mean |dW| (values
    below 1e-12 are drawn at 1e-12: they are 0 or nearly so). For a fast redraw the artists are made
    once and only their data change, and there are two axes: the histograms share one (each layer in
    a box of width 1, its range written under it). Drawing axes and their ticks, not data, takes time.
    """

    FLOOR = 1e-12
    GAP = 0.12  # between two histograms, in widths of one

    def __init__(self, figure, max_depth=8, bins=30):
        self.bins = bins
        self.top = figure.add_axes((0.02, 0.6, 0.96, 0.25), yticks=[], ylim=(0, 1.08))
        self.top.tick_params(labelsize="x-small", length=0)
        for spine in self.top.spines.values():
            spine.set_visible(False)
        self.histograms = []  # (StepPatch, frame, title) per layer
        for layer in range(max_depth):
            x = layer * (1 + self.GAP)
            stairs = self.top.stairs(np.zeros(bins), np.linspace(x, x + 1, bins + 1), fill=True, color=FUNCTION_COLOR)
            frame = self.top.add_patch(plt.Rectangle((x, 0), 1, 1.08, fill=False, lw=0.8))
            title = self.top.text(x + 0.5, 1.12, "", ha="center", va="bottom", fontsize="small")
            self.histograms.append((stairs, frame, title))
        self.bottom = figure.add_axes((0.09, 0.1, 0.56, 0.38), yscale="log", xlabel="layer")
        self.bottom.yaxis.set_major_locator(LogLocator(numticks=6))
        self.bottom.yaxis.set_minor_locator(NullLocator())  # minor ticks on twelve decades cost more than the rest
        self.bottom.grid(alpha=0.3)
        summaries = [(FUNCTION_COLOR, "spread of activations (std)"), ("tab:green", "mean slope g\u2032(z)"),
                     (DERIVATIVE_COLOR, "mean |dW| (gradient size)")]
        self.lines = [self.bottom.plot([1.0], [1.0], "o-", color=color, label=label)[0] for color, label in summaries]
        self.bottom.legend(loc="center left", bbox_to_anchor=(1.03, 0.5))
        self.title = figure.suptitle("")

    def show(self, statistics, activation="tanh", title=""):
        """Draw ``statistics``: ``activations`` (one (n, m) array per layer), ``slopes``, ``gradients`` (per layer)."""
        activations = statistics["activations"]
        depth = len(activations)
        bounded = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(activation)
        ticks, labels = [], []
        for layer, (stairs, frame, text) in enumerate(self.histograms):
            for artist in (stairs, frame, text):
                artist.set_visible(layer < depth)
            if layer >= depth:
                continue
            values = activations[layer].ravel()
            low, high = bounded or (0.0, max(float(np.percentile(values, 99.5)), self.FLOOR))
            counts, _ = np.histogram(np.clip(values, low, high), bins=self.bins, range=(low, high))
            x = layer * (1 + self.GAP)
            stairs.set_data(counts / max(counts.max(), 1), np.linspace(x, x + 1, self.bins + 1))
            text.set_text(f"layer {layer + 1}\nstd {values.std():.2g}")
            ticks += [x, x + 1]
            labels += [f"{low:.2g}", f"{high:.2g}"]
        self.top.set_xlim(-0.02, depth * (1 + self.GAP) - self.GAP + 0.02)
        self.top.set_xticks(ticks, labels=labels)
        for k, label in enumerate(self.top.get_xticklabels()):
            label.set_horizontalalignment("right" if k % 2 else "left")
        layers = np.arange(1, depth + 1)
        summaries = [[float(A.std()) for A in activations], statistics["slopes"], statistics["gradients"]]
        shown = np.maximum(np.array(summaries, dtype=float), self.FLOOR)
        for line, values in zip(self.lines, shown, strict=True):
            line.set_data(layers, values)
        low, high = min(shown.min() / 3, 1e-4), max(shown.max() * 3, 2.0)
        self.bottom.set(xlim=(0.6, depth + 0.4), xticks=layers, ylim=(low, high))
        self.title.set_text(title)


def plot_decision_boundary(predict, X, Y, ax=None, title=None, resolution=200):
    """Colour the plane by ``predict`` (probabilities for (2, k) points) and scatter the data X (2, m), Y (1, m).

    The black line is where the predicted probability crosses 0.5.
    """
    if ax is None:
        ax = plt.gca()
    X, Y = np.asarray(X), np.asarray(Y).ravel()
    pad = 0.3
    xs = np.linspace(X[0].min() - pad, X[0].max() + pad, resolution)
    ys = np.linspace(X[1].min() - pad, X[1].max() + pad, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    probabilities = np.asarray(predict(np.vstack([grid_x.ravel(), grid_y.ravel()]))).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, probabilities, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.35)
    if probabilities.min() < 0.5 < probabilities.max():
        ax.contour(grid_x, grid_y, probabilities, levels=[0.5], colors="black", linewidths=1.5)
    for label, color, marker in [(0, "tab:red", "o"), (1, "tab:blue", "s")]:
        ax.scatter(*X[:, Y == label], s=12, c=color, marker=marker, edgecolors="white", linewidths=0.3,
                   label=f"y = {label}")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "decision boundary")
    ax.set_aspect("equal")
    return ax


def plot_network(layer_sizes, ax=None, max_drawn=7, highlight=None, title=None):
    """Draw a fully connected network: one column of units per layer, ``n[l]`` written under each column.

    ``layer_sizes`` lists n[0] (the inputs) to n[L] (the outputs). A layer with more than
    ``max_drawn`` units is drawn with ``max_drawn - 1`` of them and a "⋮" in between. The
    connections from layer l-1 to layer l are labelled ``W[l], b[l]``; ``highlight`` (a layer
    number l >= 1) draws those connections in colour.
    """
    sizes = [int(n) for n in layer_sizes]
    if ax is None:
        ax = plt.gca()
    num_layers = len(sizes) - 1
    positions = []  # per layer: the y positions of the units drawn, and where the "⋮" goes (or None)
    for n in sizes:
        if n <= max_drawn:
            positions.append((list(np.linspace(-(n - 1) / 2, (n - 1) / 2, n)), None))
        else:
            top = [1.5 + k for k in range(max(1, (max_drawn - 1) // 2))]
            positions.append(([-y for y in reversed(top)] + top, 0.0))
    for layer in range(1, num_layers + 1):  # one LineCollection per layer: hundreds of lines drawn as one artist
        color, width, alpha = ("tab:orange", 1.2, 0.7) if highlight == layer else ("grey", 0.6, 0.35)
        segments = [[(layer - 1, y0), (layer, y1)] for y0 in positions[layer - 1][0] for y1 in positions[layer][0]]
        ax.add_collection(LineCollection(segments, colors=color, linewidths=width, alpha=alpha, zorder=1))
    top_y = max(max(ys) for ys, _ in positions)
    bottom_y = min(min(ys) for ys, _ in positions)
    # Text sized to the room between two columns (in points), so that many layers do not run together.
    column = 72 * ax.get_position().width * ax.get_figure().get_figwidth() / (num_layers + 1)
    size = min(10.0, column / 5.5)
    stacked = column < 75  # "W[l], b[l]" on one line needs about 75 points
    for layer, (n, (ys, gap)) in enumerate(zip(sizes, positions, strict=True)):
        face = "tab:green" if layer == 0 else ("tab:red" if layer == num_layers else FUNCTION_COLOR)
        ax.scatter([layer] * len(ys), ys, s=260, color=face, edgecolor="black", zorder=3)
        if gap is not None:
            ax.text(layer, gap, "⋮", ha="center", va="center", fontsize=16, zorder=3)
        role = "input" if layer == 0 else ("output" if layer == num_layers else "hidden")
        label = f"layer {layer}\n({role})\n$n^{{[{layer}]}} = {n}$"
        ax.text(layer, bottom_y - 0.9, label, ha="center", va="top", fontsize=size)
        if layer >= 1:
            ax.text(
                layer - 0.5,
                top_y + 0.8,
                f"$W^{{[{layer}]}}$\n$b^{{[{layer}]}}$" if stacked else f"$W^{{[{layer}]}}, b^{{[{layer}]}}$",
                ha="center",
                va="bottom",
                fontsize=min(11.0, size + 1),
                color="tab:orange" if highlight == layer else "black",
            )
    ax.set_xlim(-0.5, num_layers + 0.5)
    ax.set_ylim(bottom_y - 2.6, top_y + (2.4 if stacked else 1.6))
    ax.set_axis_off()
    ax.set_title(title or f"L = {num_layers} layers: " + " - ".join(str(n) for n in sizes))
    return ax


# --- MNIST (05): digits, probabilities, confusion matrix, batch timings ---


def _as_image(image):
    """A (784,), (1, 28, 28) or (28, 28) MNIST image as a (28, 28) array."""
    return np.asarray(image, dtype=float).reshape(28, 28)


def plot_digit(image, ax=None, title=None):
    """Draw one MNIST digit (784 pixels, any of its shapes) in grey, dark strokes on white."""
    if ax is None:
        ax = plt.gca()
    ax.imshow(_as_image(image), cmap="gray_r", vmin=0.0, vmax=max(1.0, float(np.max(image))))
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def plot_probabilities(probabilities, ax=None, label=None, title=None):
    """Bar chart of 10 class probabilities; the most probable bar in colour, the true ``label`` marked."""
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    if ax is None:
        ax = plt.gca()
    predicted = int(np.argmax(probabilities))
    right = label is None or predicted == label
    colors = ["lightgrey"] * len(probabilities)
    colors[predicted] = "tab:green" if right else "tab:red"
    bars = ax.bar(range(len(probabilities)), probabilities, color=colors)
    if label is not None:
        bars[label].set_edgecolor("black")
        bars[label].set_linewidth(2)
    ax.annotate(
        f"{probabilities[predicted]:.1%}",
        (predicted, probabilities[predicted]),
        ha="center",
        va="bottom",
        fontsize="small",
    )
    ax.set_xticks(range(len(probabilities)))
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("digit")
    ax.set_ylabel("probability")
    if title is None:
        title = f"predicted {predicted}" + ("" if label is None else f", true {label} (black outline)")
    ax.set_title(title, fontsize="small")
    return ax


def plot_confusion_matrix(matrix, ax=None, title="confusion matrix", normalize=False):
    """Draw a confusion matrix: rows are true classes, columns predicted ones, each count written in its cell.

    The colour scale leaves out the diagonal, so the few mistakes are visible beside the many right answers;
    with ``normalize`` each row is divided by its total (the fraction of each true digit).
    """
    matrix = np.asarray(matrix, dtype=float)
    if ax is None:
        ax = plt.gca()
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    off_diagonal = shown.copy()
    np.fill_diagonal(off_diagonal, 0)
    top = off_diagonal.max() if off_diagonal.max() > 0 else 1.0
    ax.imshow(off_diagonal, cmap="Reds", vmin=0, vmax=top)
    n = matrix.shape[0]
    for i in range(n):
        for j in range(n):
            value = shown[i, j]
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            color = "tab:green" if i == j else ("white" if off_diagonal[i, j] > 0.6 * top else "black")
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color,
                    fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    return ax


def plot_digit_grid(images, titles, figure=None, columns=6):
    """Draw digits in a grid of ``columns`` per row on ``figure`` (a new one if None); return the axes."""
    images = list(images)
    if figure is None:
        figure = plt.figure(figsize=(1.5 * columns, 1.7 * max(1, int(np.ceil(len(images) / columns)))))
    rows = max(1, int(np.ceil(len(images) / columns)))
    axes = []
    for k, (image, title) in enumerate(zip(images, titles, strict=True)):
        ax = figure.add_subplot(rows, columns, k + 1)
        plot_digit(image, ax=ax, title=title)
        axes.append(ax)
    return axes


def plot_batch_timings(batch_sizes, seconds_per_image, one_by_one=None, ax=None, title=None):
    """Log-log plot of the time per image against the batch size; ``one_by_one`` is drawn as a dashed line."""
    if ax is None:
        ax = plt.gca()
    batch_sizes = np.asarray(batch_sizes, dtype=float)
    micro = 1e6 * np.asarray(seconds_per_image, dtype=float)
    ax.loglog(batch_sizes, micro, "o-", color=FUNCTION_COLOR, lw=2, label="in batches")
    for size, value in zip(batch_sizes, micro, strict=True):  # below left: a falling curve never passes there
        ax.annotate(f"{value:.3g} µs", (size, value), textcoords="offset points", xytext=(-5, -5), ha="right",
                    va="top", fontsize="small", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                                      "alpha": 0.85})
    if one_by_one is not None:
        ax.axhline(1e6 * one_by_one, color=DERIVATIVE_COLOR, ls="--", label=f"one by one: {1e6 * one_by_one:.3g} µs")
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    ax.set_xticks(batch_sizes, [f"{size:g}" for size in batch_sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(NullFormatter())
    shown = np.append(micro, 1e6 * one_by_one) if one_by_one is not None else micro
    ax.set_ylim(shown.min() / 2.2, shown.max() * 1.6)  # room for the labels under the lowest points
    ax.set_xlim(batch_sizes.min() / 4, batch_sizes.max() * 3)
    ax.set_xlabel("batch size (images per call)")
    ax.set_ylabel("time per image (µs)")
    ax.set_title(title or "inference time per image")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax


# --- L-layer network (04): cost curves and the building blocks ---


def _label_log_axis(axis, low, high):
    """Plain-number ticks on a log axis spanning ``low`` to ``high``: 0.2, 0.3, 0.5, 1, 2, 5, ..., as many as fit.

    Matplotlib's default labels only the powers of ten, so a cost between 0.2 and 20 reads "10⁰" and "10¹" alone.
    """
    decades = np.log10(high / low) if 0 < low < high else 1.0
    subs = [(1, 1.5, 2, 3, 4, 5, 7), (1, 2, 3, 5), (1, 2, 5)][int(decades)] if decades < 3 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_locator(LogLocator(base=10, subs=np.arange(2, 10)))
    axis.set_minor_formatter(NullFormatter())


def plot_cost_curves(curves, ax=None, title=None, log=True, legend="auto"):
    """Draw cost curves ``[(label, iterations, costs), ...]`` on one pair of axes.

    Costs that are not finite (a diverging run: inf or nan) end the curve; the
    last finite point is marked with an ✕ and the label says where it diverged.
    ``legend`` is ``"outside"`` (right of the axes, where it covers no curve), a matplotlib location,
    ``"auto"`` (outside for several curves, ``"best"`` for one) or None (no legend).
    """
    if ax is None:
        ax = plt.gca()
    shown = []
    for label, iterations, costs in curves:
        iterations = np.asarray(iterations, dtype=float)
        costs = np.asarray(costs, dtype=float)
        finite = np.isfinite(costs)
        stop = int(np.argmin(finite)) if not finite.all() else len(costs)
        if stop < len(costs):
            label = f"{label} (diverged by iteration {int(iterations[stop])})"
        (line,) = ax.plot(iterations[:stop], costs[:stop], lw=2, marker="." if stop < 30 else None, label=label)
        if stop < len(costs) and stop > 0:
            ax.plot(iterations[stop - 1], costs[stop - 1], "x", ms=12, mew=3, color=line.get_color())
        shown.extend(costs[:stop][costs[:stop] > 0])
    if log:
        ax.set_yscale("log")
        if shown:
            _label_log_axis(ax.yaxis, min(shown), max(shown))
    ax.set(xlabel="iteration", ylabel="cost J" + (" (log scale)" if log else ""), title=title or "cost during training")
    ax.grid(alpha=0.3)
    if legend == "auto":
        legend = "outside" if len(curves) > 1 else "best"
    if legend == "outside":
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    elif legend is not None:
        ax.legend(fontsize="small", loc=legend)
    return ax


def plot_building_blocks(num_layers=3, ax=None, title=None):
    """The forward and backward building blocks of an L-layer network, with the caches passed between them.

    Top row: forward steps taking A[l-1] to A[l] and keeping a cache; bottom row:
    backward steps taking dA[l] (and the cache) to dA[l-1], dW[l], db[l].
    """
    if ax is None:
        ax = plt.gca()
    L = int(num_layers)
    box = {"boxstyle": "round,pad=0.35", "linewidth": 1.2}
    arrow = {"arrowstyle": "-|>", "lw": 1.4, "color": "black"}
    for k in range(1, L + 1):
        g = "sigmoid" if k == L else "ReLU"
        ax.text(k, 1.0, f"layer {k}\nforward\n$W^{{[{k}]}}, b^{{[{k}]}}$\n{g}", ha="center", va="center",
                fontsize=9, bbox={**box, "facecolor": "#dbe9f6", "edgecolor": FUNCTION_COLOR})
        ax.text(k, -1.0, f"layer {k}\nbackward\n$g'^{{[{k}]}}(Z^{{[{k}]}})$", ha="center", va="center",
                fontsize=9, bbox={**box, "facecolor": "#fde3cc", "edgecolor": DERIVATIVE_COLOR})
        ax.annotate("", xy=(k, -0.62), xytext=(k, 0.62), arrowprops={**arrow, "color": "grey", "ls": "--"})
        ax.text(k + 0.04, 0.0, f"cache {k}\n$A^{{[{k - 1}]}}, W^{{[{k}]}}, b^{{[{k}]}}, Z^{{[{k}]}}$", ha="left",
                va="center", fontsize=8, color="dimgrey")
        ax.annotate("", xy=(k - 0.3, 1.0), xytext=(k - 0.7, 1.0), arrowprops=arrow)
        ax.text(k - 0.5, 1.12, f"$A^{{[{k - 1}]}}$", ha="center", va="bottom", fontsize=10)
        ax.annotate("", xy=(k - 0.7, -1.0), xytext=(k - 0.3, -1.0), arrowprops=arrow)
        ax.text(k - 0.5, -1.12, f"$dA^{{[{k - 1}]}}$", ha="center", va="top", fontsize=10)
        ax.text(k, -1.62, f"$dW^{{[{k}]}}, db^{{[{k}]}}$", ha="center", va="top", fontsize=9, color=DERIVATIVE_COLOR)
    ax.annotate("", xy=(L + 0.75, 1.0), xytext=(L + 0.3, 1.0), arrowprops=arrow)
    ax.text(L + 0.8, 1.0, f"$A^{{[{L}]}} = \\hat{{Y}}$", ha="left", va="center", fontsize=10)
    ax.annotate("", xy=(L + 0.3, -1.0), xytext=(L + 0.75, -1.0), arrowprops=arrow)
    ax.text(L + 0.8, -1.0, f"$dA^{{[{L}]}}$ from\nthe loss", ha="left", va="center", fontsize=10)
    ax.annotate("", xy=(L + 1.05, -0.75), xytext=(L + 1.05, 0.75),
                arrowprops={**arrow, "connectionstyle": "arc3,rad=-0.4"})
    ax.set_xlim(0.3, L + 1.6)
    ax.set_ylim(-2.0, 1.7)
    ax.set_axis_off()
    ax.set_title(title or "forward (top) and backward (bottom) propagation, layer by layer")
    return ax


# --- Backpropagation and the way of working (04): the computation graph, the experiment loop ---

# The notes' two-layer network, one unit per layer: its nodes as (key, x, y, operation) and its forward edges.
_GRAPH_NODES = [
    ("x", 0.0, 0.0, "$x$  (input)"),
    ("w1", 1.3, 2.1, "$w^{[1]}$"),
    ("b1", 3.1, 2.1, "$b^{[1]}$"),
    ("z1", 2.2, 0.0, "$z^{[1]} = w^{[1]} x + b^{[1]}$"),
    ("a1", 4.4, 0.0, "$a^{[1]} = \\tanh z^{[1]}$"),
    ("w2", 5.7, 2.1, "$w^{[2]}$"),
    ("b2", 7.5, 2.1, "$b^{[2]}$"),
    ("z2", 6.6, 0.0, "$z^{[2]} = w^{[2]} a^{[1]} + b^{[2]}$"),
    ("a2", 8.8, 0.0, "$a^{[2]} = \\sigma(z^{[2]})$"),
    ("y", 11.0, 2.1, "$y$  (label)"),
    ("loss", 11.0, 0.0, "$\\mathcal{L}(a^{[2]}, y)$"),
]
_GRAPH_EDGES = [("x", "z1"), ("w1", "z1"), ("b1", "z1"), ("z1", "a1"), ("a1", "z2"), ("w2", "z2"), ("b2", "z2"),
                ("z2", "a2"), ("a2", "loss"), ("y", "loss")]
# Each gradient, written as the chain rule makes it: the gradient that arrives times a local derivative.
_GRAPH_GRADIENTS = {
    "w1": ("dw1", "$dw^{[1]} = dz^{[1]}\\, x$"),
    "b1": ("db1", "$db^{[1]} = dz^{[1]} \\cdot 1$"),
    "z1": ("dz1", "$dz^{[1]} = da^{[1]} \\, (1 - (a^{[1]})^2)$"),
    "a1": ("da1", "$da^{[1]} = dz^{[2]}\\, w^{[2]}$"),
    "w2": ("dw2", "$dw^{[2]} = dz^{[2]}\\, a^{[1]}$"),
    "b2": ("db2", "$db^{[2]} = dz^{[2]} \\cdot 1$"),
    "z2": ("dz2", "$dz^{[2]} = da^{[2]}\\, a^{[2]}(1 - a^{[2]})$"),
    "a2": ("da2", "$da^{[2]} = \\partial \\mathcal{L} / \\partial a^{[2]}$"),
}
BACKWARD_COLOR = DERIVATIVE_COLOR


def _shown(value) -> str:
    """A value as the figures write it: numbers to 3 significant digits, anything else (a shape, a word) as is."""
    if isinstance(value, (int, float, np.number)):
        return f"{float(value):.3g}"
    return str(value)


def plot_computation_graph(values=None, gradients=None, ax=None, title=None):
    """The computation graph of the notes' two-layer network (tanh, then sigmoid, cross-entropy loss), one unit each.

    Each node is one operation: its formula (black), the forward value the caller computed (blue, filled in from
    left to right) and the gradient of the loss with respect to it (orange, filled in from right to left) as the
    chain rule makes it: the gradient that arrives times the node's local derivative. ``values`` maps ``x, w1, b1,
    z1, a1, w2, b2, z2, a2, y, loss`` and ``gradients`` maps ``dw1, db1, dz1, da1, dw2, db2, dz2, da2`` to numbers
    (or strings such as shapes); missing ones are left out. The plot writes what it is given and computes nothing.
    """
    values, gradients = dict(values or {}), dict(gradients or {})
    known_values = {key for key, *_ in _GRAPH_NODES}
    known_gradients = {name for name, _ in _GRAPH_GRADIENTS.values()}
    for given, known, what in [(values, known_values, "values"), (gradients, known_gradients, "gradients")]:
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"plot_computation_graph got unknown {what} {unknown}; it knows {sorted(known)}")
    if ax is None:
        ax = plt.gca()
    width, height = 1.95, 1.15
    centres = {key: (x, y) for key, x, y, _ in _GRAPH_NODES}
    for key, x, y, operation in _GRAPH_NODES:
        parameter = key in ("w1", "b1", "w2", "b2", "y", "x")
        box = 1.45 if key in ("w1", "b1", "w2", "b2") else width
        ax.add_patch(plt.Rectangle((x - box / 2, y - height / 2), box, height, zorder=2, lw=1.2,
                                   facecolor="#f2f2f2" if parameter else "white", edgecolor="black"))
        ax.text(x, y + 0.36, operation, ha="center", va="center", fontsize=9, zorder=3)
        if key in values:
            ax.text(x, y + 0.1, f"= {_shown(values[key])}", ha="center", va="center", fontsize=9,
                    color=FUNCTION_COLOR, fontweight="bold", zorder=3)
        if key in _GRAPH_GRADIENTS:
            name, formula = _GRAPH_GRADIENTS[key]
            ax.text(x, y - 0.18, formula, ha="center", va="center", fontsize=8, color=BACKWARD_COLOR, zorder=3)
            if name in gradients:
                ax.text(x, y - 0.42, f"= {_shown(gradients[name])}", ha="center", va="center", fontsize=9,
                        color=BACKWARD_COLOR, fontweight="bold", zorder=3)
        if key == "loss":
            ax.text(x, y - 0.3, "the backward pass\nstarts here", ha="center", va="center", fontsize=8,
                    color=BACKWARD_COLOR, zorder=3)
    forward = {"arrowstyle": "-|>", "lw": 1.3, "color": "black", "shrinkA": 0, "shrinkB": 0}
    for start, end in _GRAPH_EDGES:
        (x0, y0), (x1, y1) = centres[start], centres[end]
        if y0 == y1:  # along the main row: edge of one box to the edge of the next
            ax.annotate("", xy=(x1 - width / 2, y1), xytext=(x0 + width / 2, y0), arrowprops=forward, zorder=1)
        else:  # a parameter (or the label) from above, into the top of its node
            ax.annotate("", xy=(x1 + 0.25 * np.sign(x0 - x1), y1 + height / 2), xytext=(x0, y0 - height / 2),
                        arrowprops=forward, zorder=1)
    backward = {"arrowstyle": "-|>", "lw": 1.6, "color": BACKWARD_COLOR, "shrinkA": 2, "shrinkB": 2,
                "connectionstyle": "arc3,rad=-0.45"}
    main_row = ["x", "z1", "a1", "z2", "a2", "loss"]
    for left, right in zip(main_row[1:-1], main_row[2:], strict=True):  # not into x: the input needs none
        (x0, _), (x1, _) = centres[right], centres[left]
        ax.annotate("", xy=(x1 + 0.35, -height / 2), xytext=(x0 - 0.35, -height / 2),
                    arrowprops=backward, zorder=1)
    ax.text(5.5, -1.5, "forward values (blue) flow left to right; gradients (orange) flow right to left, each one "
            "the gradient to its right\ntimes a local derivative. Grey boxes are inputs: the parameters get "
            "gradients for the update, x and y need none.", ha="center", va="top", fontsize=9)
    ax.set_xlim(-1.1, 12.1)
    ax.set_ylim(-2.1, 2.85)
    ax.set_axis_off()
    ax.set_title(title or "computation graph of a two-layer network, one example")
    return ax


def plot_experiment_loop(ax=None, title=None):
    """The empirical cycle of choosing hyperparameters: idea, code, experiment, and back to a new idea."""
    if ax is None:
        ax = plt.gca()
    steps = [
        (0.0, 1.0, "Idea", "choose a value:\nlearning rate $\\alpha$, $L$, $n^{[l]}$, ..."),
        (1.05, -0.65, "Code", "train the network\nwith that choice"),
        (-1.05, -0.65, "Experiment", "look at the result:\nthe cost curve, the accuracy"),
    ]
    colors = [FUNCTION_COLOR, "tab:green", DERIVATIVE_COLOR]
    for (x, y, name, detail), color in zip(steps, colors, strict=True):
        ax.text(x, y + 0.12, name, ha="center", va="center", fontsize=13, fontweight="bold", zorder=3,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": color, "linewidth": 2.2})
        ax.text(x, y - 0.3, detail, ha="center", va="top", fontsize=9, color="dimgrey", zorder=3)
    arrow = {"arrowstyle": "-|>", "lw": 2, "color": "black", "connectionstyle": "arc3,rad=-0.3",
             "shrinkA": 28, "shrinkB": 28}
    for (x0, y0, *_), (x1, y1, *_) in zip(steps, steps[1:] + steps[:1], strict=True):
        ax.annotate("", xy=(x1, y1 + 0.12), xytext=(x0, y0 + 0.12), arrowprops=arrow, zorder=1)
    ax.text(0.0, -0.15, "repeat,\nquickly", ha="center", va="center", fontsize=10, style="italic")
    ax.set_xlim(-2.0, 2.0)
    ax.set_ylim(-1.55, 1.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or "idea → code → experiment: hyperparameters are found by trying")
    return ax


CHOSEN_COLOR = "tab:red"


def plot_search_results(results, best=None, ax=None, title=None):
    """Validation accuracies of a hyperparameter search as a heatmap: a column per learning rate, a row per hidden size.

    ``results`` maps ``(learning_rate, hidden_size)`` to an accuracy between 0 and 1 (what assignment 04's
    ``search_hyperparameters`` returns); each cell shows it in per cent, pairs missing from ``results`` stay grey.
    ``best``, one key of ``results``, is outlined and labelled "chosen": the plot shows the choice it is given and
    chooses nothing itself.
    """
    if ax is None:
        ax = plt.gca()
    if not results or not all(isinstance(key, tuple) and len(key) == 2 for key in results):
        raise ValueError("results must map (learning_rate, hidden_size) pairs to accuracies, e.g. {(0.1, 4): 0.98}")
    if best is not None and best not in results:
        raise ValueError(f"best {best!r} is not a key of results")
    rates = sorted({rate for rate, _ in results})
    sizes = sorted({size for _, size in results})
    grid = np.full((len(sizes), len(rates)), np.nan)
    for (rate, size), accuracy in results.items():
        grid[sizes.index(size), rates.index(rate)] = 100 * float(accuracy)
    low, high = float(np.nanmin(grid)), float(np.nanmax(grid))
    high = high if high > low else low + 1.0
    colormap = matplotlib.colormaps["viridis"].with_extremes(bad="lightgrey")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=colormap, vmin=low, vmax=high, origin="lower", aspect="auto")
    for row, size in enumerate(sizes):
        for column, rate in enumerate(rates):
            value = grid[row, column]
            chosen = best is not None and (rate, size) == tuple(best)
            if np.isnan(value):
                ax.text(column, row, "not run", ha="center", va="center", fontsize=9, color="dimgrey")
                continue
            dark = (value - low) / (high - low) < 0.6  # viridis is dark at the low end: white text there
            ax.text(column, row, f"{value:.1f} %" + ("\nchosen" if chosen else ""), ha="center", va="center",
                    fontsize=11, fontweight="bold" if chosen else "normal", color="white" if dark else "black")
    if best is not None:
        rate, size = best
        ax.add_patch(Rectangle((rates.index(rate) - 0.5, sizes.index(size) - 0.5), 1, 1, fill=False,
                               edgecolor=CHOSEN_COLOR, linewidth=4, zorder=3, clip_on=False))
    ax.set_xticks(range(len(rates)), [f"{rate:g}" for rate in rates])
    ax.set_yticks(range(len(sizes)), [f"{size:g}" for size in sizes])
    ax.set_xlabel("learning rate α")
    ax.set_ylabel("hidden units $n^{[1]}$")
    ax.set_title(title or "validation accuracy of each setting")
    ax.get_figure().colorbar(image, ax=ax, label="validation accuracy (%)")
    return ax

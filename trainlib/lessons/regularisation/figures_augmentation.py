"""Notebook 09's data-augmentation figure (C43): digits trained with and without shifted,
noisy copies.

`AugmentationFigure`: a few training images as the network sees them (top) and the accuracy
per epoch, on centred and on shifted validation digits (bottom). Its factory is
`figures.augmentation_figure`; both runs come from `experiments.digits_run`, computed once.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from trainlib.lessons.regularisation import experiments as R
from trainlib.live import LiveFigure
from trainlib.live.artists import readout
from trainlib.plot import COLORS, OKABE_ITO, style_axes

__all__ = ["AugmentationFigure"]

_N_SHOW = 6  # training images shown


class AugmentationFigure(LiveFigure):
    """Top: a few training images as fed to the network; bottom: accuracy per epoch."""

    def __init__(self, augment: bool) -> None:
        self.runs = {a: R.digits_run(a) for a in (False, True)}
        self.originals, self.variants = R.augmentation_examples(_N_SHOW)
        control = widgets.Checkbox(
            value=augment, description="augment: shift ±1 pixel + noise, new every epoch"
        )
        super().__init__({"augment": control}, ncols=2, figsize=(11.0, 4.2),
                         gridspec_kw={"width_ratios": [1.0, 1.35]})  # fmt: skip

    @staticmethod
    def _mosaic(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        """Two rows of 8×8 images with one-pixel gaps (NaN, drawn blank)."""
        out = np.full((17, 9 * _N_SHOW - 1), np.nan)
        for i in range(_N_SHOW):
            out[:8, 9 * i : 9 * i + 8] = top[i].reshape(8, 8)
            out[9:, 9 * i : 9 * i + 8] = bottom[i].reshape(8, 8)
        return out

    def _build(self, ax_img, ax_acc) -> None:
        cmap = "gray_r"
        self.image = self.make_live(
            ax_img.imshow(self._mosaic(self.originals, self.originals), cmap=cmap, vmin=0, vmax=1)
        )
        ax_img.set_xticks([])
        ax_img.set_yticks([3.5, 12.5], ["original", "fed to\nthe net"])
        style_axes(ax_img, "Top: originals; bottom: what the net is fed", "six training images",
                   "row", grid=False)  # fmt: skip

        epochs = np.arange(1, R.DIGITS_EPOCHS + 1)
        z = epochs * 0.0
        self.lines = {}
        styles = {
            "train": (COLORS["train"], "-", "train (original images)"),
            "val": (COLORS["validation"], "-", "validation, centred"),
            "shifted": (OKABE_ITO["bluish green"], "-", "validation, shifted ±1 px"),
        }
        for key, (color, ls, label) in styles.items():
            (self.lines[key],) = ax_acc.plot(epochs, z, ls, color=color, lw=2.2, label=label)
            (self.lines["other_" + key],) = ax_acc.plot(epochs, z, ":", color=color, lw=1.5)
        ax_acc.plot([], [], ":", color="black", lw=1.5, label="dotted: the other setting")
        ax_acc.set_xlim(1, R.DIGITS_EPOCHS)
        ax_acc.set_ylim(0.0, 1.02)
        ax_acc.legend(loc="lower right", fontsize="small")
        self.acc_text = readout(ax_acc, 0.02, 0.98)
        style_axes(ax_acc, "Accuracy per epoch (150 training images)", "epoch", "accuracy")

    def _draw(self, augment: bool) -> None:
        shown = self.variants if augment else self.originals
        self.image.set_data(self._mosaic(self.originals, shown))
        run, other = self.runs[augment], self.runs[not augment]
        for key, attr in (
            ("train", "train_acc"),
            ("val", "val_acc"),
            ("shifted", "val_acc_shifted"),
        ):
            self.lines[key].set_ydata(getattr(run, attr))
            self.lines["other_" + key].set_ydata(getattr(other, attr))
        self.acc_text.set_text(
            f"val: {run.val_acc[-1]:.1%} centred, {run.val_acc_shifted[-1]:.1%} shifted"
        )


#

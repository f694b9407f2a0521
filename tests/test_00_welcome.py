"""Notebook 00 (welcome): the warm-up exercise's kind and the landscape's colour bar."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: headless, as tests/test_live.py

import matplotlib.pyplot as plt
import numpy as np

from trainlib.lessons.welcome.experiments import line_data, line_mse


def test_the_warm_up_is_the_single_exercise_and_an_implement():
    from trainlib.exercises import Exercise
    from trainlib.lessons.welcome import exercises

    ours = [e for e in vars(exercises).values() if isinstance(e, Exercise)]
    assert [(e.name, e.kind) for e in ours] == [("my_mse", "implement")]


def test_landscape_has_a_labelled_colour_bar_spanning_the_drawn_values():
    from trainlib.lessons.welcome.figures import welcome_figure

    live = welcome_figure()
    try:
        ax_loss = live.fig.axes[1]
        (image,) = ax_loss.images
        bar = image.colorbar
        assert bar is not None and "log₁₀ MSE" in bar.ax.get_ylabel()
        # The bar's range is the image's: log₁₀ MSE over the drawn (w, b) grid.
        lo, hi = image.get_clim()
        assert lo == np.nanmin(image.get_array()) and hi == np.nanmax(image.get_array())
        x, y = line_data()
        assert 10**lo <= float(line_mse(0.0, 2.0, x, y)) <= 10**hi
    finally:
        live.close()
        plt.close("all")

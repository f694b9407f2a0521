"""Frames mode (trainlib/live/frames.py): every figure's frames are what update(...) draws,
and the plan derived from the controls follows its rules (budget, every option, Play first,
the fixed controls named)."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402
from PIL import Image  # noqa: E402

from trainlib.lessons import all_figures  # noqa: E402
from trainlib.live.frames import (  # noqa: E402
    MIN_SLIDER_VALUES,
    PLAY_MIN_FRAMES,
    draw_rgba,
    encode,
    figure_budget,
    plan_frames,
    render_frames,
    use_agg,
)
from trainlib.live.frames_widgets import assemble, plan_from_json, plan_to_json  # noqa: E402
from trainlib.live.prompts import prompted_controls, prompted_values  # noqa: E402

REGISTRY = all_figures()
FIGURES = sorted(REGISTRY)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", FIGURES)
def test_frames_equal_what_update_draws(name):
    """Three frames (the last, a middle one, the start) rendered in one pass, against a fresh
    figure moved through the same values in the reverse order with update(...): pixel-equal
    Agg canvases (compared through the same deterministic 256-colour encoder, so equal bytes
    mean equal inputs). The encoder's own error, checked below: ≤ 32/255 on a channel of a
    few anti-aliased edge pixels (measured: ≤ 17), < 2/255 on average (colour maps: ~1.2)."""
    live = REGISTRY[name]()
    use_agg(live)
    plan = plan_frames(live.controls, figure_budget(live))
    assert 1 <= plan.n_frames <= figure_budget(live)
    settings = dict(plan.settings())
    order = list(settings)
    picks = list(dict.fromkeys([order[-1], order[len(order) // 2], plan.start]))
    frames = dict(render_frames(live, plan, only=picks))
    fresh = REGISTRY[name]()
    use_agg(fresh)
    for index in reversed(picks):
        fresh.update(**settings[index])
        rgba = draw_rgba(fresh)
        assert encode(rgba) == frames[index], f"{name}: frame {index} ≠ update({settings[index]})"
    decoded = np.asarray(Image.open(io.BytesIO(frames[picks[0]])).convert("RGB"), dtype=int)
    error = np.abs(decoded - rgba[..., :3].astype(int))
    assert error.max() <= 32 and error.mean() < 2, "the 256-colour PNG misreads the canvas"
    live.close()
    fresh.close()


def _controls():
    return {
        "kind": widgets.Dropdown(options=[("sine", "sin"), ("cosine", "cos")], value="cos"),
        "rate": widgets.FloatSlider(0.3, min=0.0, max=1.0, step=0.01, description="rate α"),
        "n": widgets.IntSlider(3, min=1, max=6, description="n"),
        "on": widgets.Checkbox(True, description="show"),
    }


def test_plan_takes_every_option_and_fills_the_budget_with_sliders():
    plan = plan_frames(_controls(), budget=40)
    shape = dict(zip([a.name for a in plan.axes], plan.shape, strict=True))
    assert shape["kind"] == 2 and shape["rate"] >= MIN_SLIDER_VALUES
    assert plan.n_frames <= 40
    assert set(plan.fixed) | set(shape) == set(_controls())
    kind = plan.axes[0]
    assert kind.labels == ("sine", "cosine") and kind.values == ("sin", "cos") and kind.start == 1
    rate = plan.axes[1]
    assert rate.values[rate.start] == 0.3  # the current value is a frame
    assert rate.labels[rate.start] == "0.30"  # real values, written at the slider's step
    gaps = np.diff(rate.values)  # evenly spaced, on the slider's own step (0.01)
    assert np.allclose(gaps, gaps[0]) and np.isclose(gaps[0] * 100, round(gaps[0] * 100))
    for name in plan.fixed:
        assert _controls()[name].description in plan.note()


def test_play_goes_first_frame_by_frame_and_a_small_budget_fixes_the_rest():
    controls = {
        "rate": widgets.FloatLogSlider(0.1, min=-3, max=0, step=0.5, description="lr"),
        "step": widgets.Play(value=2, min=0, max=20, description="step"),
    }
    plan = plan_frames(controls, budget=21)
    assert [a.name for a in plan.axes] == ["step"] and plan.shape == (21,)
    assert "lr = 0.1" in plan.note()
    # with room, the Play control keeps PLAY_MIN_FRAMES evenly spaced steps and the others
    # move too: a long animation no longer takes the whole budget
    long = {
        "rate": widgets.FloatLogSlider(0.1, min=-4, max=0, step=0.25, description="lr"),
        "step": widgets.Play(value=200, min=0, max=200, step=2, description="step"),
    }
    plan = plan_frames(long, budget=130, prefer=("rate",))
    step, rate = plan.axes[1], plan.axes[0]
    assert PLAY_MIN_FRAMES <= len(step.values) < 101 and step.values[-1] == 200
    assert len(set(np.diff(step.values))) == 1  # evenly over its range
    assert len(rate.values) >= MIN_SLIDER_VALUES and plan.n_frames <= 130
    with pytest.raises(ValueError, match="budget"):
        plan_frames(controls, budget=0)


def test_widget_links_each_stack_once_and_round_trips_its_plan():
    plan = plan_frames(_controls(), budget=40)
    again = plan_from_json(plan_to_json(plan))
    assert again.shape == plan.shape and again.start == plan.start and again.note() == plan.note()
    images = {index: widgets.Image(value=b"", format="png") for index, _ in plan.settings()}
    live = widgets.widgets.widget._instances  # every live widget (Widget.widgets is deprecated)
    before = {w.model_id for w in live.values() if isinstance(w, Link)}
    box = assemble(plan, images, "demo_figure")
    links = [w for w in live.values() if isinstance(w, Link) and w.model_id not in before]
    n_stacks = sum(int(np.prod(plan.shape[:k])) for k in range(len(plan.shape)))
    assert len(links) == n_stacks
    assert "trainlib-frames" in box._dom_classes
    assert "trainlib-figure-demo_figure" in box._dom_classes  # tests and benchmarks name it
    with pytest.raises(ValueError, match="images"):
        assemble(plan, {})


def test_the_prompt_decides_which_controls_move_first():
    controls = {
        "kind": widgets.Dropdown(options=["step decay", "one-cycle"], description="schedule"),
        "lr": widgets.FloatLogSlider(0.1, min=-3, max=0, step=0.05, description="peak rate α"),
        "div_factor": widgets.FloatLogSlider(25, min=0, max=3, step=0.1, description="start"),
        "shrink": widgets.SelectionSlider(options=[1, 2, 3, 4, 5, 6, 7, 8, 9], value=5),
    }
    prompt = "**Predict, then move:** pick `one-cycle` in the dropdown and set `div_factor` to 1."
    prefer = prompted_controls(controls, prompt)
    assert prefer == ("kind", "div_factor")  # in the order the prompt names them
    keep = prompted_values(controls, prompt, prefer)
    assert keep == {"div_factor": (1.0,)}
    plan = plan_frames(controls, budget=24, prefer=prefer, keep=keep)
    assert [a.name for a in plan.axes] == ["kind", "div_factor"] and plan.n_frames <= 24
    assert 1.0 in plan.axes[1].values  # the value the prompt asks for is a frame
    assert "peak rate α = 0.1" in plan.note()  # what is fixed is said under the figure
    # without the prompt the figure's own order decides; a selection slider is sampled
    plain = plan_frames(controls, budget=24)
    assert [a.name for a in plain.axes] == ["kind", "lr"]
    shrink = plan_frames({"shrink": controls["shrink"]}, budget=5)
    assert len(shrink.axes[0].values) == 5 and shrink.axes[0].values[0] == 1
    assert prompted_controls(controls, "the **peak rate α** (log scale)") == ("lr",)
    assert prompted_controls(controls, "nothing here") == ()
    with pytest.raises(ValueError, match="prefer"):
        plan_frames(controls, prefer=("nope",))


def test_sliders_grow_in_balance_evenly_spaced_around_their_value():
    """Two sliders share the budget: neither takes it all, each keeps its current value, and
    each one's values are evenly spaced on its own step (the welcome figure's case)."""
    controls = {
        "slope": widgets.FloatSlider(0.0, min=-0.5, max=2.5, step=0.05, description="slope w"),
        "intercept": widgets.FloatSlider(2.0, min=-2.0, max=4.0, step=0.05, description="b"),
        "residuals": widgets.Checkbox(True, description="show the errors"),
    }
    plan = plan_frames(controls, budget=130)
    assert plan.n_frames <= 130
    slope, intercept = plan.axes[0], plan.axes[1]
    shares = [len(slope.values) / 61, len(intercept.values) / 121]
    assert max(shares) / min(shares) < 1.5, shares  # before: 13 slopes × 5 intercepts
    for axis, value in ((slope, 0.0), (intercept, 2.0)):
        assert axis.values[axis.start] == value
        gaps = np.diff(axis.values)
        assert np.allclose(gaps, gaps[0]) and np.isclose(gaps[0] / 0.05, round(gaps[0] / 0.05))


def test_the_prompt_names_controls_by_symbol_or_name_and_its_values_are_frames():
    lr = widgets.FloatSlider(0.1, min=0.01, max=1.2, step=0.01, description="learning rate α")
    controls = {"lr": lr, "step": widgets.Play(value=2, min=0, max=40, description="step k")}
    prompt = "press ▶ until $k = 9$ and check the box. Before setting α = 0.6, decide."
    assert prompted_controls(controls, prompt) == ("step", "lr")
    keep = prompted_values(controls, prompt, ("step", "lr"))
    assert 9 in keep["step"] and 0.6 in keep["lr"]
    plan = plan_frames(controls, budget=205, prefer=("step", "lr"), keep=keep)
    assert plan.shape == (5, 41)  # every step, and 5 rates among them the prompt's 0.6
    assert 0.6 in plan.axes[0].values and 0.1 in plan.axes[0].values
    rates = {
        n: widgets.FloatLogSlider(0.0178, min=-4, max=0, step=0.25, description=f"{n} rate α")
        for n in ("SGD", "Nesterov", "Adam")
    }
    text = "Nesterov arrives first. Predict one notch more on its slider (0.018 to 0.032)."
    assert prompted_controls(rates, text) == ("Nesterov",)  # "Adam" (4 letters) is too short
    assert prompted_values(rates, text, ("Nesterov",))["Nesterov"] == pytest.approx(
        (0.01778, 0.03162), rel=3e-3
    )
    # a symbol several controls share names none of them
    assert prompted_controls(rates, "set α = 0.1") == ()

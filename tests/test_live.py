"""Every registered live figure, swept headless (Agg): every control through min, default, max
and values between — no exception, no warning, no NaN/inf drawn, and the drawing changes.
Plus the figure conventions (titles, labels, legends) and the LiveFigure machinery itself."""

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, and the same renderer as the benchmark

import importlib
import importlib.metadata
import inspect
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from trainlib.lessons import all_figures
from trainlib.live import LiveFigure, divergence_step, sweep_values
from trainlib.live.display import PRIVATE_ATTRIBUTES
from trainlib.live.drawcache import _hidden
from trainlib.live.inspection import option_values

REGISTRY = all_figures()


def _controls_of_every_figure():
    cases = []
    for name, factory in sorted(REGISTRY.items()):
        live = factory()
        cases += [(name, control) for control in live.controls]
        live.close()
    return cases


CONTROLS = _controls_of_every_figure()
FIGURES = sorted(REGISTRY)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _differs(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return True
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, tuple) or isinstance(y, tuple):
            if x != y:
                return True
        elif np.shape(x) != np.shape(y) or not np.array_equal(x, y):
            return True
    return False


def _pixels(live: LiveFigure, *, cached: bool) -> np.ndarray:
    if not cached:
        live.fig.forget_static()  # force the full two-layer render
    live.fig.canvas.draw()
    return np.asarray(live.fig.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize(("name", "control"), CONTROLS)
def test_control_sweep(name, control):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning, in build or callback, fails the test
        live = REGISTRY[name]()
        widget = live.controls[control]
        default = widget.value
        start = live.drawn_data()
        for value in sweep_values(widget):
            live.update(**{control: value})
            drawn = live.drawn_data()
            for key, data in drawn.items():
                if not isinstance(data, tuple):
                    assert np.all(np.isfinite(data)), (
                        f"{name}.{control}={value!r}: {key} not finite"
                    )
            if value != default:
                assert _differs(drawn, start), f"{name}.{control}={value!r} changes nothing drawn"
            # The cached static layer must never go stale: fast redraw == full redraw, pixelwise.
            assert np.array_equal(_pixels(live, cached=True), _pixels(live, cached=False)), (
                f"{name}.{control}={value!r}: static layer stale (call invalidate_static in _draw)"
            )
        live.update(**{control: default})
        assert not _differs(live.drawn_data(), start), "the drawing depends on history, not state"
        assert not live.output.outputs, "the callback wrote an error under the figure"


@pytest.mark.parametrize("name", FIGURES)
def test_figure_conventions(name):
    live = REGISTRY[name]()
    fig = live.fig
    has_suptitle = fig.get_suptitle()
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:  # an axis-off axes holds a text picture
            continue
        assert has_suptitle or ax.get_title(), f"{name}: axes {i} has no title"
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: axes {i} lacks an axis label"
        labelled = [
            a
            for a in [*ax.lines, *ax.collections, *ax.patches]
            if a.get_label() and not a.get_label().startswith("_")
        ]
        if len(labelled) > 1:
            assert ax.get_legend() is not None, f"{name}: axes {i} has {len(labelled)} labels"
    for control, widget in live.controls.items():
        assert widget.description, f"{name}.{control} has no label a student can read"


@pytest.mark.parametrize("name", FIGURES)
def test_factory_arguments_are_the_controls_and_state_call_round_trips(name):
    factory = REGISTRY[name]
    live = factory()
    params = inspect.signature(factory).parameters
    assert list(params) == list(live.controls), "factory keywords must be the control names"
    # Move every control to a non-default value, then rebuild from state_call().
    for control, widget in live.controls.items():
        values = [v for v in sweep_values(widget, n=4) if v != widget.value]
        live.update(**{control: values[len(values) // 2]})
    call = live.state_call()
    assert call.startswith(f"{name}(")
    rebuilt = eval(call, {name: factory})  # noqa: S307 - our own one-line call
    assert rebuilt.values == live.values  # state_call writes each value exactly (repr)
    assert not _differs(
        {k: v for k, v in rebuilt.drawn_data().items() if isinstance(v, tuple)},
        {k: v for k, v in live.drawn_data().items() if isinstance(v, tuple)},
    )


@pytest.mark.parametrize("name", FIGURES)
def test_displays_without_a_widget_backend(name):
    live = REGISTRY[name]()
    assert isinstance(live.widget, widgets.VBox)
    bundle = live._repr_mimebundle_()
    assert bundle["text/plain"].startswith(name)
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_every_factory_is_importable_from_its_lessons_figures_module():
    """`from trainlib.lessons.<topic>.figures import <factory>` works for every figure; a
    factory may be written in a `figures_<part>.py` sibling that figures.py re-exports."""
    import importlib

    for name, factory in REGISTRY.items():
        parts = factory.__module__.split(".")
        assert parts[:2] == ["trainlib", "lessons"] and parts[3].startswith("figures"), (
            f"{name} is defined in {factory.__module__}, not in a lesson's figures*.py"
        )
        figures = importlib.import_module(".".join([*parts[:3], "figures"]))
        assert getattr(figures, name, None) is factory, f"{figures.__name__} lacks {name}"


# --- the machinery, on a toy figure ---------------------------------------------------------


class _Toy(LiveFigure):
    def __init__(self, rate=0.5):
        super().__init__(
            {"rate": widgets.FloatSlider(value=rate, min=0.0, max=2.0, description="rate α")}
        )

    def _build(self, ax):
        (self.line,) = ax.plot([], [])
        self.status = self.status_text(ax)
        ax.set_xlim(0, 10)
        ax.set_ylim(-1, 30)

    def _draw(self, rate):
        if rate > 1.9:
            raise RuntimeError("boom")
        if rate == 0.0:
            warnings.warn("zero rate", UserWarning, stacklevel=1)
        t = np.arange(10.0)
        y = rate**t
        k = divergence_step(y, limit=20.0)
        self.show_diverged(self.status, k)
        self.line.set_data(t[:k], y[:k])


def test_update_goes_through_the_callback_and_redraws():
    toy = _Toy()
    before = toy.drawn_data()
    toy.update(rate=1.5)
    assert toy.values == {"rate": 1.5}
    assert _differs(toy.drawn_data(), before)
    assert toy.state_call() == "LiveFigure(rate=1.5)"


def test_slider_move_without_update_also_redraws():
    toy = _Toy()
    toy.controls["rate"].value = 1.2  # what the browser does
    assert np.allclose(toy.line.get_ydata(), 1.2 ** np.arange(len(toy.line.get_ydata())))


def test_callback_error_is_shown_under_the_figure_and_raised_by_update():
    toy = _Toy()
    with pytest.raises(RuntimeError, match="boom"):
        toy.update(rate=1.95)
    assert "boom" in toy.output.outputs[-1]["text"]
    toy.controls["rate"].value = 1.98  # a browser move: shown, not raised
    assert "RuntimeError" in toy.output.outputs[-1]["text"]
    toy.update(rate=1.0)
    assert not toy.output.outputs, "a good draw clears the error area"


def test_callback_warning_is_shown_and_reemitted():
    toy = _Toy()
    with pytest.warns(UserWarning, match="zero rate"):
        toy.update(rate=0.0)
    assert "zero rate" in toy.output.outputs[-1]["text"]


def test_bad_update_is_a_value_error():
    toy = _Toy()
    with pytest.raises(ValueError, match="rate: expected a value in"):
        toy.update(rate=3.0)
    with pytest.raises(ValueError, match="nope"):
        toy.update(nope=1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.5", "rate: expected a real number, got '0.5'"),
        (None, "rate: expected a real number, got None"),
        (True, "rate: expected a real number, got True"),
        (float("nan"), "rate: expected a value in [0.0, 2.0], got nan"),
        (2.5, "rate: expected a value in [0.0, 2.0], got 2.5"),
    ],
)
def test_a_bad_value_typed_into_update_is_one_clear_line_under_the_figure(value, message):
    from trainlib.live.figure import BadValue

    toy = _Toy(rate=0.5)
    before = toy.drawn_data()
    with pytest.raises(BadValue) as info:
        toy.update(rate=value)
    assert str(info.value) == message
    # Under the figure: the message; in the notebook: that line, not a traceback.
    assert toy.output.outputs[-1]["text"] == message + "\n"
    assert info.value._render_traceback_() == [f"BadValue: {message}"]
    assert toy.values == {"rate": 0.5} and not _differs(toy.drawn_data(), before)
    toy.update(rate=1.0)  # a good value afterwards draws and clears the message
    assert not toy.output.outputs


def test_bad_values_for_checkbox_options_and_integer_controls():
    from trainlib.live.inspection import check_value

    with pytest.raises(ValueError, match="^show: expected True or False, got 'yes'"):
        check_value("show", widgets.Checkbox(value=True), "yes")
    with pytest.raises(ValueError, match=r"^kind: expected one of \['a', 'b'\], got 1"):
        check_value("kind", widgets.Dropdown(options=["a", "b"]), 1)
    with pytest.raises(ValueError, match="^steps: expected an integer"):
        check_value("steps", widgets.IntSlider(value=3, min=0, max=10), 2.5)
    check_value("steps", widgets.IntSlider(value=3, min=0, max=10), np.int64(4))  # fine


def test_divergence_is_shown_as_text():
    toy = _Toy()
    toy.update(rate=1.8)  # 1.8**t passes 20 at t=6
    assert toy.status.get_text() == "diverged at step 6"
    toy.update(rate=0.9)
    assert not toy.status.get_visible()


def test_divergence_step():
    assert divergence_step([1.0, 2.0, 3.0]) is None
    assert divergence_step([1.0, np.nan, 3.0]) == 1
    assert divergence_step([[0.0, 1.0], [np.inf, 0.0]]) == 1
    assert divergence_step([1.0, 10.0, 1e9], limit=100.0) == 2


def test_sweep_values():
    assert sweep_values(widgets.Checkbox(value=True)) == [False, True]
    assert sweep_values(widgets.Dropdown(options=[("a", 1), ("b", 2)], value=2)) == [1, 2]
    assert sweep_values(widgets.IntSlider(value=3, min=0, max=10), n=3) == [0, 5, 10, 3]
    log = sweep_values(widgets.FloatLogSlider(value=0.1, min=-3, max=0), n=4)
    assert log[0] == pytest.approx(1e-3) and log[-1] == pytest.approx(1.0) and 0.1 in log


# --- what the machinery relies on in matplotlib, ipympl and ipywidgets --------------------------


def _owner(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _check_ipympl_canvas_size(canvas_class) -> None:
    plt.switch_backend("module://ipympl.backend_nbagg")  # a live figure as the notebook has it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ipympl's toolbar vs traitlets
        toy = _Toy()
    canvas = toy.fig.canvas
    assert isinstance(canvas, canvas_class), f"the canvas is a {type(canvas).__name__}"
    assert canvas.class_traits()["_size"].metadata.get("sync"), "it is not synced to the browser"
    assert tuple(canvas.get_state()["_size"]) == tuple(toy.fig.bbox.size), "not in the state"
    toy.close()


#: How each private attribute is used, checked on the installed version (by attribute name).
_BEHAVIOUR = {"_size": _check_ipympl_canvas_size}


@pytest.mark.parametrize(
    "owner, attribute, where, why", PRIVATE_ATTRIBUTES, ids=[a[1] for a in PRIVATE_ATTRIBUTES]
)
def test_private_attributes_still_exist_and_behave_as_used(owner, attribute, where, why):
    library = owner.split(".")[0]
    version = importlib.metadata.version(library)
    broken = f"{library} {version} no longer has {owner}.{attribute}, which {where} uses {why}"
    assert attribute in _BEHAVIOUR, f"{owner}.{attribute}: add a behaviour check to _BEHAVIOUR"
    backend = matplotlib.get_backend()  # importing ipympl switches pyplot to its backend
    try:
        cls = _owner(owner)
        assert hasattr(cls, attribute), "the attribute is gone"
        _BEHAVIOUR[attribute](cls)
    except Exception as exc:  # noqa: BLE001 - any failure means the attribute changed
        pytest.fail(f"{broken} ({type(exc).__name__}: {exc})")
    finally:
        plt.switch_backend(backend)


@pytest.mark.parametrize(
    "options",
    [["a", "b"], [0.1, 1.0], [("slow", 0.1), ("fast", 1.0)], {"slow": 0.1, "fast": 1.0}],
    ids=["labels", "values", "pairs", "dict"],
)
def test_option_values_are_what_the_widget_selects(options):
    values = option_values(widgets.Dropdown(options=options))
    for cls in (widgets.Dropdown, widgets.ToggleButtons, widgets.SelectionSlider):
        control = cls(options=options)
        for i, value in enumerate(values):
            control.index = i  # the widget's own label → value mapping, through public API
            assert control.value == value, (
                f"ipywidgets {widgets.__version__}: {cls.__name__} option {i} selects "
                f"{control.value!r}, trainlib.live.inspection.option_values says {value!r}"
            )
    assert option_values(widgets.FloatSlider()) is None


def test_hiding_the_live_layer_marks_nothing_stale():
    toy = _Toy()
    toy.fig.canvas.draw()
    requests = []
    toy.fig.stale_callback = lambda fig, stale: requests.append(stale)  # what pyplot hooks
    live = toy.fig.live_artists()
    with _hidden(live):  # what a full draw does around the static layer
        assert not any(a.get_visible() for a in live)
    assert not requests, "hiding the live layer marked the figure stale: a redraw loop"
    assert all(a.get_visible() for a in live)


def test_every_draw_ends_fresh_and_fires_draw_event():
    toy = _Toy()
    events = []
    toy.fig.canvas.mpl_connect("draw_event", events.append)
    toy.fig.forget_static()
    toy.fig.canvas.draw()  # full: static layer (Figure.draw fires one), live artists on top
    assert events and not toy.fig.stale
    events.clear()
    toy.fig.canvas.draw()  # cached: the background restored, the live artists on top
    assert len(events) == 1 and not toy.fig.stale


def test_savefig_draws_everything_and_forgets_the_cache():
    toy = _Toy()
    toy.update(rate=1.2)
    cached = _pixels(toy, cached=True)
    toy.png_base64()  # a savefig: not cacheable, so the next canvas draw is a full one
    assert np.array_equal(_pixels(toy, cached=True), cached)


def test_a_figure_too_wide_for_the_notebook_panel_is_refused():
    from trainlib.live.display import MAX_WIDTH_PX, make_figure

    with pytest.raises(ValueError, match="figsize: expected a width of at most 11.67 in"):
        make_figure(1, 1, (MAX_WIDTH_PX / 72 + 0.1, 3.0))

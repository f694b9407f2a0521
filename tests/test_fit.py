"""Tests for trainlib.fit: gradient clipping (C30), fit's history, early stopping (C44), its
hooks (augment, on_epoch, record_steps), divergence, and the digits ≥ 95% run."""

from __future__ import annotations

import numpy as np
import pytest

from trainlib import data, layers, losses, optim, schedules
from trainlib.fit import History, clip_grad_norm, clip_grad_value, fit, global_norm

# =========================================================================================
# Clipping (C30)
# =========================================================================================


def test_clip_grad_norm_and_value():
    rng = np.random.default_rng(0)
    grads = {"0.W": 50 * rng.standard_normal((4, 3)), "0.b": 50 * rng.standard_normal(3)}
    before = {k: v.copy() for k, v in grads.items()}
    total = np.sqrt(sum(np.sum(v**2) for v in grads.values()))
    for max_norm in [1e-3, 1.0, 7.5, 1e6]:
        clipped, norm = clip_grad_norm(grads, max_norm)
        assert norm == pytest.approx(total, rel=1e-14)  # reported norm is pre-clip
        # torch's formula max_norm/(‖g‖ + 1e-6) keeps the clipped norm strictly ≤ max_norm.
        assert global_norm(clipped) <= max_norm
        if max_norm < total:  # clipped: same direction, norm max_norm to within 1e-6
            assert global_norm(clipped) == pytest.approx(max_norm, rel=1e-6)
            for k in grads:
                np.testing.assert_allclose(clipped[k] * total / max_norm, grads[k], rtol=1e-5)
        else:
            for k in grads:
                np.testing.assert_array_equal(clipped[k], grads[k])
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])  # inputs untouched
    arr, n = clip_grad_norm(np.array([3.0, 4.0]), 1.0)
    assert n == 5.0 and np.linalg.norm(arr) <= 1.0
    v = clip_grad_value(grads, 2.0)
    assert all(np.max(np.abs(g)) <= 2.0 for g in v.values())
    np.testing.assert_array_equal(v["0.b"], np.clip(grads["0.b"], -2, 2))
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(grads, 0.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value(grads, -1.0)


def _exploding_setup():
    # Unnormalised features (×30): the first gradients are ~1e4 and SGD(0.01) blows up.
    X, y, _ = data.regression(200, rng=np.random.default_rng(0), d=3)
    return 30 * X, y[:, None]


def test_C30_clipping_tames_an_explosion():
    X, y = _exploding_setup()
    kw = dict(epochs=50, batch_size=20)
    free = fit(layers.mlp([3, 32, 1], rng=np.random.default_rng(1)), losses.mse, optim.sgd(0.01),
               X, y, rng=np.random.default_rng(2), **kw)  # fmt: skip
    assert free.diverged and len(free.loss) < 10  # measured: 4 finite steps, then overflow
    assert np.all(np.isfinite(free.loss))
    for threshold in [1.0, 10.0]:
        model = layers.mlp([3, 32, 1], rng=np.random.default_rng(1))
        h = fit(model, losses.mse, optim.sgd(0.01), X, y, rng=np.random.default_rng(2),
                clip_norm=threshold, **kw)  # fmt: skip
        assert not h.diverged and len(h.loss) == 50 * 10
        assert np.all(h.clipped_norm <= threshold)  # the clipped update's gradient norm
        assert h.grad_norm[0] > 1000 * threshold  # it really had to clip
        # The update itself: ‖Δθ‖ = lr·‖g_clipped‖ ≤ lr·threshold (plain SGD).
        assert np.all(0.01 * h.clipped_norm <= 0.01 * threshold)
        # ...and it learned: measured 4053 → 3.6 (threshold 1) and → 55 (threshold 10).
        assert h.train_loss[-1] < h.loss[0] / 50
    model = layers.mlp([3, 32, 1], rng=np.random.default_rng(1))
    hv = fit(model, losses.mse, optim.sgd(0.01), X, y, rng=np.random.default_rng(2),
             clip_value=0.01, epochs=5, batch_size=20)  # fmt: skip
    # Value clipping bounds each entry by 0.01, so the norm by 0.01·√(#params) = 0.01·√161.
    assert np.all(hv.clipped_norm <= 0.01 * np.sqrt(3 * 32 + 32 + 32 + 1) + 1e-12)


# =========================================================================================
# fit: history, early stopping (C44), digits
# =========================================================================================


def _moons():
    X, y = data.moons(60, rng=np.random.default_rng(0), noise=0.35)
    Xv, yv = data.moons(300, rng=np.random.default_rng(1), noise=0.35)
    return X, y[:, None], Xv, yv[:, None]


def _moons_fit(epochs, patience=None, batchnorm=False, **kw):
    X, y, Xv, yv = _moons()
    model = layers.mlp([2, 64, 64, 1], rng=np.random.default_rng(1), batchnorm=batchnorm)
    h = fit(model, losses.bce_with_logits, optim.adam(0.01), X, y, epochs=epochs,
            batch_size=20, rng=np.random.default_rng(2), val=(Xv, yv), patience=patience,
            **kw)  # fmt: skip
    return model, h


def test_C44_early_stopping_restores_best_weights():
    patience = 10
    model, h = _moons_fit(300, patience=patience)
    assert h.stopped_early and h.restored
    # Training stopped exactly `patience` epochs after the validation minimum.
    assert h.best_epoch == int(np.argmin(h.val_loss))
    assert h.stopped_epoch == h.best_epoch + patience
    assert len(h.val_loss) == h.stopped_epoch + 1 < 300
    # The restored weights are those at best_epoch: an identical run (same seeds) stopped
    # after best_epoch + 1 epochs must give the very same arrays, bit for bit.
    ref, _ = _moons_fit(h.best_epoch + 1)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, ref.params[k])
    X, y, Xv, yv = _moons()
    val_now = losses.bce_with_logits(model.forward(Xv, train=False), yv)[0]
    assert val_now == pytest.approx(h.val_loss[h.best_epoch], rel=1e-12)  # recomputation
    assert val_now < h.val_loss[-1]  # better than where it stopped


def test_early_stopping_variants():
    # patience = 0 stops at the first epoch that does not improve.
    _, h0 = _moons_fit(300, patience=0)
    assert h0.stopped_epoch == h0.best_epoch + 1
    assert np.all(np.diff(h0.val_loss[: h0.best_epoch + 1]) < 0)
    # Without restore_best the weights are the last ones.
    model, h = _moons_fit(300, patience=5, restore_best=False)
    assert h.stopped_early and not h.restored
    last, _ = _moons_fit(h.stopped_epoch + 1)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, last.params[k])
    # BatchNorm's running statistics (not parameters, but part of the model) are restored too.
    bn_model, hb = _moons_fit(300, patience=5, batchnorm=True)
    assert hb.stopped_early and hb.restored
    ref, _ = _moons_fit(hb.best_epoch + 1, batchnorm=True)
    for mine, theirs in zip(bn_model.layers, ref.layers, strict=True):
        for attr in ("running_mean", "running_var"):
            if hasattr(mine, attr):
                np.testing.assert_array_equal(getattr(mine, attr), getattr(theirs, attr))
    for k, v in bn_model.params.items():
        np.testing.assert_array_equal(v, ref.params[k])
    # A large min_delta: only big improvements count, so it stops earlier.
    _, hd = _moons_fit(300, patience=5, min_delta=0.05)
    assert hd.stopped_epoch <= h.stopped_epoch


def test_fit_history_contents():
    X, y, Xv, yv = _moons()
    model = layers.mlp([2, 16, 1], rng=np.random.default_rng(0))
    opt = optim.sgd(schedules.cosine(0.05, T_max=40), momentum=0.9)  # lr a schedule
    h = fit(model, losses.bce_with_logits, opt, X, y, epochs=10, batch_size=16,
            rng=np.random.default_rng(0), val=(Xv, yv))  # fmt: skip
    assert isinstance(h, History)
    n_steps = 10 * 4  # ⌈60/16⌉ = 4 updates per epoch
    for arr in (h.loss, h.lr, h.grad_norm, h.clipped_norm):
        assert arr.shape == (n_steps,) and np.all(np.isfinite(arr))
    assert set(h.layer_grad_norms) == {"0", "2"}  # Dense layers 0 and 2 (1 is the ReLU)
    # Global norm² = Σ per-layer norm² (same gradients, split by layer).
    total = np.sqrt(sum(v**2 for v in h.layer_grad_norms.values()))
    np.testing.assert_allclose(total, h.grad_norm, rtol=1e-12)  # summation order only
    np.testing.assert_array_equal(h.clipped_norm, h.grad_norm)  # no clipping asked
    np.testing.assert_allclose(h.lr, [opt.lr(t) for t in range(n_steps)], rtol=0)
    for arr in (h.train_loss, h.val_loss, h.train_acc, h.val_acc):
        assert arr.shape == (10,)
    assert np.all((h.val_acc >= 0) & (h.val_acc <= 1))
    assert h.best_epoch == int(np.argmin(h.val_loss)) and h.stopped_epoch == 9
    assert not h.stopped_early and not h.restored and not h.diverged
    # Reported accuracy is the real one.
    pred = model.forward(Xv, train=False) > 0
    assert h.val_acc[-1] == np.mean(pred == (yv > 0.5))
    # Regression: no accuracy.
    Xr, yr, _ = data.regression(40, rng=np.random.default_rng(0))
    hr = fit(layers.mlp([1, 8, 1], rng=np.random.default_rng(0)), losses.mse, optim.adam(0.01),
             Xr, yr[:, None], epochs=2, batch_size=8, rng=np.random.default_rng(0))  # fmt: skip
    assert hr.train_acc.size == 0 and hr.val_loss.size == 0 and hr.best_epoch is None


def test_fit_is_reproducible():
    _, a = _moons_fit(5)
    _, b = _moons_fit(5)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.val_loss, b.val_loss)


def test_fit_bad_arguments():
    X, y, Xv, yv = _moons()
    model = layers.mlp([2, 4, 1], rng=np.random.default_rng(0))
    ok = dict(epochs=1, batch_size=8, rng=np.random.default_rng(0))
    bce, adam = losses.bce_with_logits, optim.adam()
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, bce, adam, X, y, **{**ok, "batch_size": 0})
    with pytest.raises(ValueError, match="epochs"):
        fit(model, bce, adam, X, y, **{**ok, "epochs": -1})
    with pytest.raises(ValueError, match="patience"):
        fit(model, bce, adam, X, y, val=(Xv, yv), patience=-1, **ok)
    with pytest.raises(ValueError, match="val"):
        fit(model, bce, adam, X, y, patience=3, **ok)
    with pytest.raises(ValueError, match="y: expected as many samples"):
        fit(model, bce, adam, X, y[:-1], **ok)
    with pytest.raises(ValueError, match="y_val"):
        fit(model, bce, adam, X, y, val=(Xv, yv[:-1]), **ok)
    with pytest.raises(ValueError, match="clip_norm"):
        fit(model, bce, adam, X, y, clip_norm=0.0, **ok)
    with pytest.raises(ValueError, match="clip_value"):
        fit(model, bce, adam, X, y, clip_value=-1.0, **ok)
    with pytest.raises(ValueError, match="min_delta"):
        fit(model, bce, adam, X, y, val=(Xv, yv), min_delta=-0.1, **ok)
    with pytest.raises(ValueError, match="rng"):
        fit(model, bce, adam, X, y, epochs=1, batch_size=8, rng=0)
    with pytest.raises(ValueError, match="X"):
        fit(model, bce, adam, np.full_like(X, np.nan), y, **ok)
    # A shape error inside the model is a bug, not a divergence: it propagates.
    with pytest.raises(ValueError, match="x: expected shape"):
        fit(model, bce, adam, np.zeros((60, 3)), y, **ok)


def test_digits_mlp_adam_reaches_95_percent():
    X, y = data.digits()
    X_tr, X_val, y_tr, y_val = data.train_val_split(X, y, 0.25, rng=np.random.default_rng(0))
    model = layers.mlp([64, 64, 10], rng=np.random.default_rng(1))
    h = fit(model, losses.cross_entropy, optim.adam(3e-3), X_tr, y_tr, epochs=20,
            batch_size=32, rng=np.random.default_rng(2), val=(X_val, y_val))  # fmt: skip
    # Measured 97.1% (seeds 0/1/2); 95% is the claim, ~10 validation digits of margin.
    assert h.val_acc[-1] >= 0.95
    pred = np.argmax(model.forward(X_val, train=False), axis=1)
    assert np.mean(pred == y_val) == h.val_acc[-1]  # the history tells the truth


# =========================================================================================
# Hooks and divergence
# =========================================================================================


def test_fit_hooks_see_every_epoch_and_change_nothing_else():
    X, y, Xv, yv = _moons()
    seen, inputs = [], []

    def on_epoch(epoch, model):
        seen.append((epoch, float(losses.bce_with_logits(model.forward(Xv, train=False), yv)[0])))

    def same(Xe):
        inputs.append(Xe)
        return Xe

    model, h = _moons_fit(6)
    model2 = layers.mlp([2, 64, 64, 1], rng=np.random.default_rng(1))
    h2 = fit(model2, losses.bce_with_logits, optim.adam(0.01), X, y, epochs=6, batch_size=20,
             rng=np.random.default_rng(2), val=(Xv, yv), augment=same,
             on_epoch=on_epoch)  # fmt: skip
    assert [e for e, _ in seen] == list(range(6)) and len(inputs) == 6
    np.testing.assert_array_equal([v for _, v in seen], h.val_loss)  # after each epoch
    np.testing.assert_array_equal(h2.loss, h.loss)  # an identity augment changes no bit
    # Without the per-step record: the same model, bit for bit, and empty step arrays.
    model3 = layers.mlp([2, 64, 64, 1], rng=np.random.default_rng(1))
    h3 = fit(model3, losses.bce_with_logits, optim.adam(0.01), X, y, epochs=6, batch_size=20,
             rng=np.random.default_rng(2), val=(Xv, yv), record_steps=False)  # fmt: skip
    for k, v in model.params.items():
        np.testing.assert_array_equal(model3.params[k], v)
    assert h3.loss.size == 0 and all(v.size == 0 for v in h3.layer_grad_norms.values())
    np.testing.assert_array_equal(h3.val_loss, h.val_loss)


def test_augment_gives_each_epoch_its_inputs():
    X, y, _, _ = _moons()
    calls = []

    def noisy(Xe):
        calls.append(Xe)
        return Xe + 0.01 * len(calls)

    model = layers.mlp([2, 8, 1], rng=np.random.default_rng(0))
    fit(model, losses.bce_with_logits, optim.sgd(0.1), X, y, epochs=3, batch_size=60,
        rng=np.random.default_rng(0), augment=noisy)  # fmt: skip
    assert len(calls) == 3 and all(c is calls[0] for c in calls)  # always the original X


def test_divergence_keeps_the_last_finite_parameters_with_and_without_record():
    X, y = _exploding_setup()
    for record in (True, False):
        model = layers.mlp([3, 32, 1], rng=np.random.default_rng(1))
        h = fit(model, losses.mse, optim.sgd(0.01), X, y, epochs=50, batch_size=20,
                rng=np.random.default_rng(2), record_steps=record)  # fmt: skip
        assert h.diverged and h.stopped_epoch == 0
        assert all(np.all(np.isfinite(v)) for v in model.params.values())

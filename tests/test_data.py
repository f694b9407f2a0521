"""Seeded data sets: reproducible, right shapes, right classes, bad input refused."""

import subprocess
import sys

import numpy as np
import pytest

from trainlib import data

GENERATORS = {
    "regression": lambda rng: data.regression(50, rng=rng, d=3, outliers=5),
    "moons": lambda rng: data.moons(51, rng=rng, noise=0.1),
    "spirals2": lambda rng: data.spirals(51, rng=rng, classes=2),
    "spirals3": lambda rng: data.spirals(51, rng=rng, classes=3),
    "blobs": lambda rng: data.blobs(51, rng=rng, centers=4, std=0.5),
    "imbalanced": lambda rng: data.imbalanced(200, rng=rng, minority_fraction=0.1),
}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name]
    first, again = make(np.random.default_rng(0)), make(np.random.default_rng(0))
    other = make(np.random.default_rng(1))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", list(GENERATORS))
def test_no_global_rng_is_touched(name):
    # reads the legacy global RNG on purpose: it must be left untouched
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    GENERATORS[name](np.random.default_rng(0))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_regression_shapes_truth_and_outliers():
    X, y, theta = data.regression(40, rng=np.random.default_rng(0), d=2, noise=0.0)
    assert X.shape == (40, 2) and y.shape == (40,) and theta.shape == (3,)
    assert X.dtype == y.dtype == np.float64
    # noise = 0: y is the line itself, up to the rounding of one dot product
    np.testing.assert_allclose(y, theta[0] + X @ theta[1:], rtol=0, atol=1e-12)

    X, y, theta = data.regression(
        40, rng=np.random.default_rng(0), noise=0.0, outliers=6, outlier_scale=10.0
    )
    shift = y - (theta[0] + X @ theta[1:])
    # the outliers are pushed up by 10·U(0.5, 1.5) ≥ 5; everything else lies on the line
    assert np.sum(shift >= 5.0) == 6
    assert np.sum(np.abs(shift) < 1e-12) == 34


def test_classification_shapes_dtypes_and_balance():
    rng = np.random.default_rng(0)
    X, y = data.moons(51, rng=rng)
    assert X.shape == (51, 2) and y.dtype == np.float64
    assert np.bincount(y.astype(int)).tolist() == [26, 25]

    X, y = data.spirals(50, rng=rng, classes=3)
    assert X.shape == (50, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [17, 17, 16]
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12)  # radius r ∈ [0, 1], rounding

    centres = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = data.blobs(30, rng=rng, centers=centres, std=0.1)
    assert X.shape == (30, 3) and np.bincount(y).tolist() == [15, 15]
    # std 0.1: every point lies within 1 (10 σ) of its own centre
    assert np.all(np.linalg.norm(X - centres[y], axis=1) < 1.0)


@pytest.mark.parametrize(("n", "fraction"), [(200, 0.05), (1000, 0.01), (10, 0.5), (30, 0.001)])
def test_imbalanced_has_the_requested_minority(n, fraction):
    X, y = data.imbalanced(n, rng=np.random.default_rng(3), minority_fraction=fraction)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == max(1, round(n * fraction))  # class 1 is the minority, at least one
    assert y.sum() <= n - y.sum()


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (10, 5), (7, 10), (1, 1)])
def test_minibatches_cover_every_sample_once_per_epoch(n, batch_size):
    X = np.arange(n, dtype=float)[:, None] * np.ones((1, 2))
    y = np.arange(n)
    rng = np.random.default_rng(0)
    for _ in range(2):  # two epochs, two different orders, each a permutation
        batches = list(data.minibatches(X, y, batch_size, rng=rng))
        sizes = [len(yb) for _, yb in batches]
        assert sizes == [batch_size] * (n // batch_size) + (
            [n % batch_size] if n % batch_size else []
        )
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(n))
        for Xb, yb in batches:  # X and y stay paired
            np.testing.assert_array_equal(Xb[:, 0], yb)


def test_minibatches_order():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    kept = np.concatenate([yb for _, yb in data.minibatches(X, y, 4, shuffle=False)])
    np.testing.assert_array_equal(kept, np.arange(10))
    a = [yb for _, yb in data.minibatches(X, y, 4, rng=np.random.default_rng(5))]
    b = [yb for _, yb in data.minibatches(X, y, 4, rng=np.random.default_rng(5))]
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(np.concatenate(a), np.arange(10))


def test_train_val_split_partitions_the_samples():
    X, y = np.arange(20.0)[:, None], np.arange(20)
    Xt, Xv, yt, yv = data.train_val_split(X, y, 0.25, rng=np.random.default_rng(0))
    assert len(yv) == 5 and len(yt) == 15
    assert sorted(np.r_[yt, yv].tolist()) == list(range(20))
    np.testing.assert_array_equal(Xt[:, 0], yt)
    np.testing.assert_array_equal(Xv[:, 0], yv)


def test_digits_shape_range_and_labels():
    pytest.importorskip("sklearn")
    X, y = data.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    X16, _ = data.digits(scaled=False)
    assert X16.max() == 16.0
    np.testing.assert_array_equal(X16 / 16.0, X)


def test_importing_data_does_not_import_sklearn():
    code = "import sys, trainlib.data; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("call", "arg"),
    [
        (lambda r: data.regression(0, rng=r), "n"),
        (lambda r: data.regression(5, rng=r, noise=-1.0), "noise"),
        (lambda r: data.regression(5, rng=r, outliers=6), "outliers"),
        (lambda r: data.regression(5, rng=r, d=0), "d"),
        (lambda r: data.moons(2.5, rng=r), "n"),
        (lambda r: data.spirals(10, rng=r, classes=4), "classes"),
        (lambda r: data.blobs(10, rng=r, std=-0.1), "std"),
        (lambda r: data.blobs(10, rng=r, centers=0), "centers"),
        (lambda r: data.imbalanced(100, rng=r, minority_fraction=0.0), "minority_fraction"),
        (lambda r: data.imbalanced(100, rng=r, minority_fraction=0.6), "minority_fraction"),
        (lambda r: next(data.minibatches(np.ones((4, 2)), np.ones(4), 0, rng=r)), "batch_size"),
        (lambda r: next(data.minibatches(np.ones((4, 2)), np.ones(3), 2, rng=r)), "y"),
        (lambda r: next(data.minibatches(np.ones((4, 2)), np.ones(4), 2)), "rng"),
        (lambda r: data.train_val_split(np.ones((4, 2)), np.ones(4), 1.0, rng=r), "val_fraction"),
        (lambda r: data.train_val_split(np.ones((4, 2)), np.ones(4), 0.01, rng=r), "val_fraction"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, arg):
    with pytest.raises(ValueError, match=f"^{arg}:"):
        call(np.random.default_rng(0))


@pytest.mark.parametrize(
    "call",
    [
        lambda rng: data.regression(10, rng=rng),
        lambda rng: data.moons(10, rng=rng),
        lambda rng: data.spirals(10, rng=rng),
        lambda rng: data.blobs(10, rng=rng),
        lambda rng: data.imbalanced(10, rng=rng),
        lambda rng: data.train_val_split(np.ones((4, 2)), np.ones(4), 0.5, rng=rng),
        lambda rng: list(data.minibatches(np.ones((4, 2)), np.ones(4), 2, rng=rng)),
    ],
)
@pytest.mark.parametrize("bad", [None, 0, np.random.RandomState(0)])
def test_every_generator_checks_rng_with_the_same_message(call, bad):
    with pytest.raises(TypeError, match=r"^rng: expected a np.random.Generator \(np.random"):
        call(bad)
    call(np.random.default_rng(0))  # the same call with a generator works


def test_empty_or_non_finite_data_is_rejected():
    with pytest.raises(ValueError, match="^centers: expected at least one centre"):
        data.blobs(10, rng=np.random.default_rng(0), centers=np.empty((2, 0)))
    with pytest.raises(ValueError, match=r"^X: expected at least one sample"):
        list(data.minibatches(np.empty((0, 2)), np.empty(0), 2, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match="^y: expected finite values"):
        list(data.minibatches(np.ones((2, 2)), np.array([0.0, np.nan]), 1, shuffle=False))

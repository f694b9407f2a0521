"""trainlib: the math behind a notebook series on how neural networks are trained.

Small, exact numpy code that reads like the equations: losses, layers, a two-layer
network derived by hand, a tiny autodiff engine, optimisers, schedules, test surfaces
and training loops. Plotting and widgets live in `trainlib.plot` and `trainlib.apps`,
which are imported only when a notebook asks for them, so `import trainlib` needs
nothing but numpy.
"""

__version__ = "0.1.0"

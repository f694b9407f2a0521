"""trainlib: the math behind a notebook series on how neural networks are trained.

Small, exact numpy code that reads like the equations: losses, layers, a two-layer
network derived by hand, a tiny autodiff engine, optimisers, schedules, test surfaces
and training loops: the core, numpy only. The live-figure machinery (`trainlib.live`,
`trainlib.plot`), the exercise checker (`trainlib.exercises`) and one package per notebook
(`trainlib.lessons.<topic>`) sit on top of it and are imported only when asked for, so
`import trainlib` needs nothing but numpy.
"""

__version__ = "0.1.0"

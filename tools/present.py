"""Serve one notebook as a clean app with Voilà, for presenting: ``make present NB=07``.

Code cells are hidden; sliders and ipympl figures stay live (Voilà runs a kernel). The
figures use projector-sized fonts and lines (`trainlib.plot.PRESENTER_RC`), handed to the
kernel as a matplotlibrc file through ``$MATPLOTLIBRC``, so the notebook itself needs no
change; ``--normal-fonts`` turns that off. Listens on 127.0.0.1 only.

    python tools/present.py 07                # notebooks/07_*.ipynb on http://127.0.0.1:8866/
    python tools/present.py 07 --port 9000 --normal-fonts
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8866


def find_notebook(nb: str, folder: Path = ROOT / "notebooks") -> Path:
    """``07`` → notebooks/07_*.ipynb; a path to an .ipynb is taken as it is."""
    if nb.endswith(".ipynb"):
        path = Path(nb)
        if not path.is_file():
            raise SystemExit(f"NB: expected an existing notebook, got {nb!r}")
        return path
    matches = sorted(folder.glob(f"{nb}_*.ipynb")) or sorted(folder.glob(f"{nb}*.ipynb"))
    if len(matches) != 1:
        found = ", ".join(p.name for p in sorted(folder.glob("*.ipynb")))
        raise SystemExit(
            f"NB: expected a notebook number such as 07 matching one of [{found}], got {nb!r}"
        )
    return matches[0]


def voila_command(notebook: Path, port: int, ip: str = "127.0.0.1") -> list[str]:
    """The Voilà command line (Voilà 0.5: runs as root without any extra flag)."""
    return [
        sys.executable, "-m", "voila", str(notebook),
        "--no-browser",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--show_tracebacks=True",
    ]  # fmt: skip


def presenter_env(env: dict[str, str], folder: Path) -> dict[str, str]:
    """`env` plus ``MATPLOTLIBRC`` pointing at a projector-fonts matplotlibrc in `folder`."""
    sys.path.insert(0, str(ROOT))
    from trainlib.plot import presenter_rc_text

    rc = folder / "matplotlibrc"
    rc.write_text(presenter_rc_text())
    return {**env, "MATPLOTLIBRC": str(rc)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nb", help="notebook number (07) or path")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    parser.add_argument("--normal-fonts", action="store_true", help="no projector fonts")
    args = parser.parse_args(argv)
    notebook = find_notebook(args.nb)
    env = dict(os.environ)
    folder = ROOT / "artifacts" / "present"  # git-ignored
    folder.mkdir(parents=True, exist_ok=True)
    if not args.normal_fonts:
        env = presenter_env(env, folder)
    cmd = voila_command(notebook, args.port)
    print(f"Presenting {notebook.name} at http://127.0.0.1:{args.port}/  (Ctrl-C to stop)")
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()

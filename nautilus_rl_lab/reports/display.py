"""The tear sheet inside a notebook: the page itself, and a link that opens it in JupyterLab.

`show_tearsheet(path)` returns an IPython `HTML` object: a link to the file, relative to the
kernel's working directory (the notebook's folder, which is how JupyterLab resolves a relative
link in an output), and the page in an `<iframe srcdoc=...>`. The page is self-contained (its
figures are embedded PNGs), so it shows even where the server cannot reach the file; the
link works when the file is under the server's root (`make lab` serves the repository, so
`runs/` is reachable).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.display import HTML


def relative_link(path: str | os.PathLike[str], start: str | os.PathLike[str] = ".") -> str:
    """`path` relative to `start` (default: the working directory), with forward slashes."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def show_tearsheet(path: str | os.PathLike[str], *, height: int = 720) -> HTML:
    """A notebook display of the tear sheet at `path`: a link to open it and the page inline."""
    from IPython.display import HTML

    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no tear sheet at {file}: write it first (`write_report`)")
    page = file.read_text(encoding="utf-8")
    link = html.escape(relative_link(file), quote=True)
    return HTML(
        f'<p>Tear sheet: <a href="{link}" target="_blank">{link}</a> (opens in a new tab)</p>'
        f'<iframe srcdoc="{html.escape(page, quote=True)}" title="tear sheet" '
        f'style="width:100%;height:{height}px;border:1px solid #ddd"></iframe>'
    )

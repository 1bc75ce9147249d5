"""``%%kepler fit``: run the cell with every Keras / scikit-learn fit journaled."""

from __future__ import annotations

import ast
import os
from typing import Any

from IPython.core.error import UsageError


def notebook_path(shell: Any) -> str | None:
    """The notebook this kernel runs, when the front end told the kernel (JupyterLab does)."""
    session = shell.user_ns.get("__session__") if shell is not None else None
    return session or os.environ.get("JPY_SESSION_NAME") or None


def cell_id(shell: Any) -> str | None:
    """The id of the notebook cell being run, when the front end sent it (JupyterLab and
    Notebook 7 put ``cellId`` in each execute request's metadata)."""
    get_parent = getattr(getattr(shell, "kernel", None), "get_parent", None)
    try:
        parent = get_parent() if callable(get_parent) else None
    except Exception:  # an unusual kernel: the cell is then found by its code
        return None
    metadata = parent.get("metadata") if isinstance(parent, dict) else None
    value = metadata.get("cellId") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def run_cell_code(shell: Any, cell: str) -> Any:
    """Execute the cell in the user's namespace like a normal cell: IPython syntax is
    transformed, tracebacks show the cell's lines, and the value of a final expression is
    returned (so it is displayed as the cell's output)."""
    code = shell.transform_cell(cell)
    tree = ast.parse(code)
    filename = shell.compile.cache(code, shell.execution_count, raw_code=cell)
    last_expression = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last_expression = ast.Expression(tree.body.pop().value)
    namespace = shell.user_ns
    exec(compile(tree, filename, "exec"), namespace)
    if last_expression is not None:
        return eval(compile(last_expression, filename, "eval"), namespace)
    return None


def run_fit_cell(magics: Any, args: Any, cell: str) -> Any:
    """Run ``cell`` as one watch session with the options given on the magic line."""
    from kepler_jupyter.journal import JournalError
    from kepler_jupyter.run.options import RunOptions
    from kepler_jupyter.run.session import open_session

    shell = magics.shell
    try:
        options = RunOptions.from_flags(
            args,
            {"on_duplicate": magics.on_duplicate, "display": magics.display, "checks": magics.checks},
            source=cell,
            notebook_path=notebook_path(shell),
            cell_id=cell_id(shell),
        )
        context = open_session(options)
        session = context.__enter__()
    except (ValueError, JournalError) as exc:
        raise UsageError(str(exc)) from None
    try:
        result = run_cell_code(shell, cell)
    except BaseException as exc:
        context.__exit__(type(exc), exc, exc.__traceback__)
        raise
    context.__exit__(None, None, None)
    magics.last_session = session
    return result

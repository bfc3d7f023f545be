"""The ``klaster`` command line: create a store, import field data, check, report, move phases.

Run ``klaster --help`` (or ``python -m klaster --help``); every command and its ``--json`` output
is described in ``docs/cli.md``. From Python, :func:`main` runs one command line and returns its
exit code::

    from klaster.cli import main
    code = main(["plugins", "--json"])

Importing this package is light: the commands, and rich, load when :func:`main` runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from klaster.cli._exit import ExitCode

__all__ = ["ExitCode", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``klaster`` command line.

    Args:
        argv: The arguments after ``klaster`` (default: ``sys.argv[1:]``), e.g.
            ``["status", "program.klaster", "--json"]``.

    Returns:
        The exit code (:class:`ExitCode`): 0 success, 1 data refused, 2 usage error, 3 store
        busy, 4 readiness refused the move, 5 store or document unreadable, 70 internal error,
        130 interrupted. Console scripts pass it to ``sys.exit``. Run as the process's own
        command line (``argv`` not given), the C allocators keep freed memory for reuse
        (``docs/performance.md``; settings the user made in the environment are kept) and the
        objects it made are frozen out of the cyclic collector's sight afterwards
        (``gc.freeze()``): the process is about to exit.
    """
    from klaster.cli._app import main as run  # rich and the commands load on first use

    if argv is None:
        from klaster._support.allocators import tune_for_batch

        # The process's own command line: one command, then exit. Freed buffers are kept for
        # the next phase's instead of faulting in fresh pages (0.2 s of a 1M-member report).
        tune_for_batch()
    code = run(argv)
    if argv is None:
        import gc

        # The process's own command line: it exits next, and the exit's last collection would
        # walk every record the command loaded (1.1-1.3 s at 1M members) to free what the exit
        # frees anyway. A Python caller's main([...]) keeps its objects collectable.
        gc.freeze()
    return code

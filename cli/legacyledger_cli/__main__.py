"""``python -m legacyledger_cli``: the ``legacyledger`` command, where it is not on the PATH."""

from legacyledger_cli import main

main(prog_name="legacyledger")

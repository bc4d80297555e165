"""One module per command; ``COMMANDS`` is the order ``legacyledger --help`` lists them in."""

from __future__ import annotations

import click

from legacyledger_cli.commands.demo import demo
from legacyledger_cli.commands.diff import diff
from legacyledger_cli.commands.explain import explain
from legacyledger_cli.commands.export import export
from legacyledger_cli.commands.follow import follow
from legacyledger_cli.commands.frameworks import frameworks
from legacyledger_cli.commands.head import head
from legacyledger_cli.commands.importing import import_
from legacyledger_cli.commands.init import init
from legacyledger_cli.commands.log import log
from legacyledger_cli.commands.record import record
from legacyledger_cli.commands.replay import replay
from legacyledger_cli.commands.report import report
from legacyledger_cli.commands.schema import schema
from legacyledger_cli.commands.show import show
from legacyledger_cli.commands.templates import templates
from legacyledger_cli.commands.verify import verify
from legacyledger_cli.commands.views import views

COMMANDS: tuple[click.Command, ...] = (
    init,
    templates,
    import_,
    record,
    export,
    log,
    show,
    replay,
    explain,
    diff,
    report,
    verify,
    head,
    follow,
    views,
    frameworks,
    demo,
    schema,
)

"""Docs stay in step with code: every command has help with an example and is in the README."""
from pathlib import Path

import click
import pytest

from indicators.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix=()):
    context = click.Context(group)
    for name in group.list_commands(context):  # `collect` builds its sub-commands on demand
        command, path = group.get_command(context, name), prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield " ".join(path), command


COMMANDS = sorted(_commands(cli), key=lambda pair: pair[0])


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_an_example(name, command):
    assert command.help and "Example" in command.help, name


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_command_is_documented_in_readme(name):
    assert f"track.py {name}" in README, name

"""Helpers the tests share. Fixtures are in conftest.py."""

from click.testing import CliRunner


def run_llm(*args, input=None):
    """Run an llm command in this process, as a user would type it."""
    from llm.cli import cli

    return CliRunner().invoke(cli, list(args), input=input)

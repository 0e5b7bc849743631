"""Help output shared by the `bert-zoo` subcommands: their descriptions kept as written, every default shown."""

import argparse


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks (they hold format tables); flags show their defaults.

    Defaults of None and False are left out: they mean "not given" or "off",
    which the help text itself says, and "(default: None)" would only be noise.
    """

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def add_subcommand(commands, name, summary, description=None):
    """A subparser with `summary` in the command list and `description` (default: summary) in its help."""
    return commands.add_parser(name, help=summary, description=description or summary,
                               formatter_class=HelpFormatter)

"""Help output shared by the `bert-zoo` subcommands: their descriptions kept as written, every default shown."""

import argparse
import dataclasses


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


def field_help(config_class):
    """Each field's help from the "Args:" section of `config_class`'s docstring.

    One place documents the options, for the Python API and the CLI alike.
    An entry may name several fields ("a, b: text").
    """
    entries, names = {}, []
    for line in config_class.__doc__.split("Args:", 1)[1].splitlines():
        head, colon, rest = line.strip().partition(": ")
        if colon and all(name.strip().isidentifier() for name in head.split(",")):
            names, text = [name.strip() for name in head.split(",")], rest
        else:  # a continuation line of the current entry
            text = line.strip()
        for name in names:
            entries[name] = f"{entries.get(name, '')} {text}".strip()
    return entries


def add_config_options(parser, config_class, item_types=None):
    """A flag per field of dataclass `config_class` (`--total-steps` for `total_steps`), its help
    from the docstring (`field_help`), plus `--config FILE` (a JSON file of the fields).

    Every flag defaults to None, "not given", so that a config file's value is kept; the help
    shows the field's real default. The class's `CHOICES` maps field names to their allowed
    values; `item_types` maps list fields (which take several values) to their item type
    (default str).
    """
    parser.add_argument("--config", help="JSON file of the options below; flags override it")
    helps = field_help(config_class)
    for field in dataclasses.fields(config_class):
        flag = "--" + field.name.replace("_", "-")
        text = helps[field.name].replace("%", "%%")  # argparse %-formats help strings
        if field.type is bool:
            parser.add_argument(flag, dest=field.name, action="store_const", const=True, default=None, help=text)
            continue
        if field.default is dataclasses.MISSING:
            text += " (required unless in --config)"
        elif field.default is not None:  # a None default is explained by the text
            text += f" (default: {field.default})"
        if field.type is list:
            parser.add_argument(flag, dest=field.name, nargs="+", type=(item_types or {}).get(field.name, str),
                                default=None, help=text)
        else:
            parser.add_argument(flag, dest=field.name, type=field.type, default=None,
                                choices=getattr(config_class, "CHOICES", {}).get(field.name), help=text)


def config_from_options(args, config_class):
    """The `config_class` that `add_config_options`' flags (and `--config`) give."""
    given = {field.name: getattr(args, field.name) for field in dataclasses.fields(config_class)
             if getattr(args, field.name) is not None}
    return config_class.from_json(args.config, **given) if args.config else config_class(**given)

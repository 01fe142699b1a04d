"""Commands typed as text (the console's ``/``, Matrix's ``!``): words, then ``name:value``.

One parser for every text platform, so ``title:"Our meeting"`` means the same everywhere.
"""

from __future__ import annotations

import shlex

from bot.errors import UserError


def parse_command_text(text: str) -> tuple[list[str], dict[str, str]]:
    """``meeting schedule date:2027-03-10 title:"Our meeting"`` -> words and options.

    ``text`` is the command without its prefix. Words are lower-cased; option values are kept
    as typed, with double quotes around values that have spaces.
    """
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise UserError(f"I could not read that line ({error}). Check the quotes.") from None
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        name, sep, value = token.partition(":")
        if sep and name:
            if name in options:
                raise UserError(f"The option '{name}' is given twice.")
            options[name] = value
        elif options:
            raise UserError(
                f"I did not understand '{token}'. Give options as name:value, "
                'with quotes around values that have spaces: title:"Our meeting".'
            )
        else:
            words.append(token.lower())
    return words, options

"""``dodo-transform completion SHELL``: the shell code that completes this command's
subcommands, options, files and built-in sample names (via argcomplete).

    eval "$(dodo-transform completion bash)"      # in ~/.bashrc
"""

from __future__ import annotations

import argparse

from argcomplete.shell_integration import shellcode

__all__ = ["add_commands"]

SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "completion",
        help="print shell code for tab completion",
        description="Print the code that makes SHELL complete dodo-transform's commands, "
        'options and sample names. bash: eval "$(dodo-transform completion bash)" in '
        "~/.bashrc; zsh likewise in ~/.zshrc; fish: dodo-transform completion fish | source.",
    )
    p.add_argument("shell", choices=SHELLS)
    p.set_defaults(func=_cmd_completion)


def _cmd_completion(args: argparse.Namespace) -> int:
    print(shellcode(["dodo-transform"], shell=args.shell), end="")
    return 0

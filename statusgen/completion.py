"""Shell completion scripts, made from the command line's own parser so that they never drift
from it: commands, their options, the words an argument takes (statuses, kinds, formats),
folders after -C and --out, and the ids of what is open (`statusgen list -q`, in the project
given by -C)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")
IDS = "@ids"  # an argument completed with the ids of the open incidents and maintenance
_FOLDERS = ("-C", "--project", "--out")


@dataclass(frozen=True, slots=True)
class Option:
    flags: tuple[str, ...]
    takes_value: bool
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    """A command as completion sees it: `build`, or `new incident`; the top level is `()`."""

    path: tuple[str, ...]
    help: str
    options: tuple[Option, ...]
    arguments: tuple[tuple[str, ...] | str, ...]  # each: its words, IDS, or "" (free text)


def commands(parser: argparse.ArgumentParser, words: Mapping[str, str]) -> list[Command]:
    """Every command of `parser`, nested ones too. `words` names what completes an argument or
    an option's value without choices of its own (by its dest): IDS, or words separated by
    spaces."""
    found: list[Command] = []

    def visit(current: argparse.ArgumentParser, path: tuple[str, ...], help: str) -> None:
        options: list[Option] = []
        arguments: list[tuple[str, ...] | str] = []
        children: list[tuple[str, argparse.ArgumentParser, str]] = []
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
                children = [
                    (name, sub, helps.get(name, "")) for name, sub in action.choices.items()
                ]
                arguments.append(tuple(name for name, _, _ in children))
            elif action.option_strings:
                if action.help != argparse.SUPPRESS:
                    listed = words.get(action.dest, "")
                    choices = tuple(str(choice) for choice in action.choices or ()) or (
                        tuple(listed.split()) if listed != IDS else ()
                    )
                    takes = action.nargs != 0
                    options.append(
                        Option(tuple(action.option_strings), takes, action.help or "", choices)
                    )
            elif action.choices:
                arguments.append(tuple(str(choice) for choice in action.choices))
            else:
                given = words.get(action.dest, "")
                arguments.append(given if given == IDS else tuple(given.split()))
        found.append(Command(path, help, tuple(options), tuple(arguments)))
        for name, child, child_help in children:
            visit(child, (*path, name), child_help)

    visit(parser, (), parser.description or "")
    return found


def script(shell: str, parser: argparse.ArgumentParser, words: Mapping[str, str]) -> str:
    """The completion script for `shell` (one of SHELLS), to be loaded as the README says."""
    found = commands(parser, words)
    return _fish(found) if shell == "fish" else _bash(found)


def _bash(found: list[Command]) -> str:
    """For bash, and for zsh through its emulation of bash completion (bashcompinit)."""
    known = "|".join(" ".join(command.path) for command in found if command.path)
    specs = []
    for command in found:
        flags = " ".join(flag for option in command.options for flag in option.flags)
        valued = " ".join(
            flag for option in command.options if option.takes_value for flag in option.flags
        )
        lines = [f"    {shlex.quote(' '.join(command.path))})"]
        lines.append(f"      flags={shlex.quote(flags)}; valued={shlex.quote(valued)}")
        for option in command.options:
            if option.choices:
                flags_case = "|".join(option.flags)
                choices = shlex.quote(" ".join(option.choices))
                lines.append(f'      case "$3" in {flags_case}) values={choices} ;; esac')
        lines.append('      case "$2" in')
        for position, argument in enumerate(command.arguments):
            words = argument if isinstance(argument, str) else " ".join(argument)
            if words:
                lines.append(f"        {position}) words={shlex.quote(words)} ;;")
        lines.append("      esac ;;")
        specs.append("\n".join(lines))
    spec_cases = "\n".join(specs)
    return f"""# statusgen completion for bash and zsh. Load it with
#   bash: source <(statusgen completion bash)   (in ~/.bashrc, say)
#   zsh:  source <(statusgen completion zsh)    (in ~/.zshrc, say)
if [ -n "${{ZSH_VERSION:-}}" ]; then
  autoload -U +X compinit && compinit
  autoload -U +X bashcompinit && bashcompinit
fi

# The options (flags), the options taking a value (valued), what completes argument $2 (words)
# of command $1, and the values option $3 takes (values) if they are a list.
_statusgen_spec() {{
  flags=""; valued=""; words=""; values=""
  case "$1" in
{spec_cases}
  esac
}}

# A word as the shell will pass it: quotes and backslashes gone, ~ at its start the home
# folder. Nothing in it is run.
_statusgen_unquoted() {{
  local word="$1"
  case "$word" in
    \\"*\\") word="${{word:1:${{#word}}-2}}" ;;
    \\'*\\') word="${{word:1:${{#word}}-2}}" ;;
    *) word="${{word//\\\\/}}" ;;
  esac
  case "$word" in
    "~"|"~/"*) word="$HOME${{word:1}}" ;;
  esac
  printf '%s' "$word"
}}

_statusgen() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local path="" position=0 project="" skip=0 i word flags valued words values
  COMPREPLY=()
  # The words before the cursor: commands make the path, options and their values are passed.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${{COMP_WORDS[i]}}"
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    _statusgen_spec "$path" "$position"
    case "$word" in
      -C|--project) project=$(_statusgen_unquoted "${{COMP_WORDS[i+1]}}"); skip=1; continue ;;
      --project=*) project=$(_statusgen_unquoted "${{word#--project=}}"); continue ;;
      --*=*) continue ;;
      -*) case " $valued " in *" $word "*) skip=1 ;; esac; continue ;;
    esac
    case "|{known}|" in
      *"|${{path:+$path }}$word|"*) path="${{path:+$path }}$word"; position=0 ;;
      *) position=$((position + 1)) ;;
    esac
  done
  case "$prev" in
    {"|".join(_FOLDERS)})  # folders, one per line: a name may hold spaces
      local IFS=$'\\n'
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
      return ;;
  esac
  _statusgen_spec "$path" "$position" "$prev"
  if [ "$skip" = 1 ]; then  # the value of an option
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$words" = "{IDS}" ]; then
    COMPREPLY=($(compgen -W "$(statusgen ${{project:+-C "$project"}} list -q 2>/dev/null)" -- "$cur"))
  elif [ -n "$words" ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}}

complete -F _statusgen statusgen
"""


def _fish(found: list[Command]) -> str:
    paths = " ".join(shlex.quote(" ".join(command.path)) for command in found if command.path)
    valued = " ".join(
        shlex.quote(flag)
        for command in found
        for option in command.options
        if option.takes_value
        for flag in option.flags
    )
    lines = [
        "# statusgen completion for fish. Install it with",
        "#   statusgen completion fish > ~/.config/fish/completions/statusgen.fish",
        "function __statusgen_where --description 'the command typed so far, and its arguments'",
        "    set -l path",
        "    set -l count 0",
        "    set -l skip 0",
        "    for word in (commandline -opc)[2..-1]",
        "        if test $skip = 1",
        "            set skip 0",
        f"        else if contains -- $word {valued}",
        "            set skip 1",
        "        else if string match -q -- '-*' $word",
        "            continue",
        f'        else if contains -- (string trim -- "$path $word") {paths}',
        '            set path (string trim -- "$path $word")',
        "            set count 0",
        "        else",
        "            set count (math $count + 1)",
        "        end",
        "    end",
        '    echo "$path|$count"',
        "end",
        "function __statusgen_at --description 'whether the command typed so far is $argv[1]'",
        '    string match -q -- "$argv[1]|*" (__statusgen_where)',
        "end",
        "function __statusgen_ids --description 'the ids of what is open'",
        "    set -l words (commandline -opc)",
        "    set -l project",
        "    set -l at (contains -i -- -C $words; or contains -i -- --project $words)",
        '    if test -n "$at"',
        "        set project -C $words[(math $at + 1)]",
        "    end",
        "    statusgen $project list -q 2>/dev/null",
        "end",
        "complete -c statusgen -f",
    ]
    for command in found:
        path = " ".join(command.path)
        at = "-n " + shlex.quote(f"__statusgen_at {shlex.quote(path)}")
        for option in command.options:
            names = " ".join(
                f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
                for flag in option.flags
            )
            value = " -r" if option.takes_value else ""
            if option.choices:
                value = f" -x -a {shlex.quote(' '.join(option.choices))}"
            if set(option.flags) & set(_FOLDERS):
                value += " -a '(__fish_complete_directories)'"
            help = shlex.quote(_short(option.help))
            lines.append(f"complete -c statusgen {at} {names}{value} -d {help}")
        helps = {c.path[-1]: c.help for c in found if c.path and c.path[:-1] == command.path}
        for position, argument in enumerate(command.arguments):
            where = "-n " + shlex.quote(
                f"test (__statusgen_where) = {shlex.quote(f'{path}|{position}')}"
            )
            if argument == IDS:
                lines.append(f"complete -c statusgen {where} -a '(__statusgen_ids)'")
                continue
            for word in argument:
                described = f" -d {shlex.quote(_short(helps[word]))}" if helps.get(word) else ""
                lines.append(f"complete -c statusgen {where} -a {shlex.quote(word)}{described}")
    return "\n".join(lines) + "\n"


def _short(help: str) -> str:
    """An option's help as a one-line description."""
    text = help.split(";")[0].split(" (")[0].strip()
    return text if len(text) <= 70 else text[:67] + "..."

"""The argument parser for the verbs that must start fast, without typer or click.

Git hooks (`hook`), CI and scripts run `status`, `add` and `checkout` all the time; typer
and click cost ~50 ms of start-up, a quarter of a no-op status. Each such verb is one row of
FAST_VERBS: its options and its handler. An invocation this parser fully understands runs the
handler directly; anything else (help, an unknown option, a missing argument) returns None
and goes to the typer app, which declares the same verbs for help and completion and calls
the same handlers.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable

from mlgit.cli.handlers import hooks, pipeline, workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class Option(NamedTuple):
        """A flag (`value_if` None), or an option whose value may be left out: the word
        after it is its value only when `value_if(word)` says so (`--opt=VALUE` always gives
        one)."""

        name: str
        spellings: tuple[str, ...]
        value_if: Callable[[str], bool] | None = None
        required: bool = False  # the value may not be left out (nor fail value_if)

    class Verb(NamedTuple):
        """A verb's options and its handler, called as handler(paths, **options) -> exit
        code."""

        handler: Callable[..., int]
        options: tuple[Option, ...]
        needs_paths: bool = False
else:  # the same, without importing typing at run time (~2 ms of every fast verb)
    Option = namedtuple("Option", "name spellings value_if required", defaults=(None, False))
    Verb = namedtuple("Verb", "handler options needs_paths", defaults=(False,))


class Parsed:
    """An invocation: the verb, its paths, and every one of its options (a flag False unless
    given; a value None unless given)."""

    def __init__(self, verb: Verb) -> None:
        self.verb = verb
        self.paths: list[str] = []
        self.options: dict[str, bool | str | None] = {
            o.name: False if o.value_if is None else None for o in verb.options}

    def run(self) -> int:
        return self.verb.handler(self.paths, **self.options)


def _not_an_option(word: str) -> bool:
    return not word.startswith("-")


def _positive(word: str) -> bool:
    return word.isdigit() and int(word) > 0


FORCE = Option("force", ("-f", "--force"))
JSON = Option("json", ("--json",))

FAST_VERBS: dict[str, Verb] = {
    "add": Verb(workspace.add, (FORCE, JSON), needs_paths=True),
    "status": Verb(workspace.status, (
        Option("quiet", ("-q", "--quiet")), JSON,
        Option("remote", ("--remote",), value_if=workspace.is_remote_name))),
    "checkout": Verb(workspace.checkout, (FORCE, JSON, Option("rev", ("--rev",),
                                                              value_if=_not_an_option))),
    "repro": Verb(pipeline.repro, (
        Option("dry", ("--dry",)), FORCE, Option("downstream", ("--downstream",)),
        Option("single_item", ("-s", "--single-item")),
        Option("keep_going", ("-k", "--keep-going")),
        Option("allow_missing", ("--allow-missing",)),
        Option("no_run_cache", ("--no-run-cache",)),
        Option("pull", ("--pull",)),
        Option("jobs", ("-j", "--jobs"), value_if=_positive, required=True))),
    "hook": Verb(hooks.hook, (), needs_paths=True),
}


def parse(args: list[str], verbs: dict[str, Verb] = FAST_VERBS) -> Parsed | None:
    """The invocation, if `args` are one this parser fully understands; else None."""
    if not args or args[0] not in verbs:
        return None
    verb = verbs[args[0]]
    by_spelling = {s: opt for opt in verb.options for s in opt.spellings}
    parsed = Parsed(verb)
    i, only_paths = 1, False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_paths or not arg.startswith("-") or arg == "-":
            parsed.paths.append(arg)
        elif arg == "--":
            only_paths = True
        else:
            taken = _take_option(arg, args[i] if i < len(args) else None, by_spelling, parsed)
            if taken is None:
                return None
            i += taken
    if verb.needs_paths and not parsed.paths:
        return None
    return parsed


def _take_option(arg: str, following: str | None, by_spelling: dict[str, Option],
                 parsed: Parsed) -> int | None:
    """Record the option `arg`; how many of the words after it it took as its value (0 or
    1), or None if the verb has no such option."""
    spelling, equals, value = arg.partition("=")
    option = by_spelling.get(spelling)
    if option is None or (equals and option.value_if is None):
        return None
    if option.value_if is None:
        parsed.options[option.name] = True
        return 0
    if equals:
        if option.required and not option.value_if(value):
            return None  # typer says what is wrong with it
        parsed.options[option.name] = value
        return 0
    if following is not None and option.value_if(following):
        parsed.options[option.name] = following
        return 1
    if option.required:
        return None
    parsed.options[option.name] = ""
    return 0

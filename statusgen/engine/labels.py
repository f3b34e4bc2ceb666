"""Translations for the templates: the catalogs, and labels translated once rather than per page.

A page asks for dozens of labels (`_("Started")`, `_("Updates")` …), always the same ones, and a
site has thousands of pages. Every label written as a literal is translated when its template is
compiled (see ConstantLabels): one without variables becomes text, one with variables is only
formatted per page. Any other call is translated and formatted once per distinct set of values
(see memoize_gettext)."""

from __future__ import annotations

import gettext
import hashlib
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup


def translations_digest(translations: gettext.NullTranslations) -> str:
    """A digest of every message of `translations` and its fallbacks.

    Compiled templates hold their labels already translated, so they are kept per digest."""
    digest = hashlib.sha256()
    current: gettext.NullTranslations | None = translations
    while current is not None:
        catalog = getattr(current, "_catalog", {})
        digest.update(repr(sorted(catalog.items(), key=repr)).encode())
        digest.update(b"\0")
        current = getattr(current, "_fallback", None)
    return digest.hexdigest()


class ConstantLabels(Extension):
    """Translate `_("literal")` and `gettext("literal")` when the template is compiled.

    Printed on its own (`{{ _("Started") }}`), a label is written into the compiled template as
    text: exactly what the call would print at render time (newstyle gettext: the translation
    %-formatted with no variables, and not escaped, as translations are trusted markup).
    Anywhere else, and with variables (`_("Lasted %(d)s", d=…)`), the call is given its
    translation already and only does the rest of what newstyle gettext does: mark the text
    safe when autoescaping, then %-format it. Templates that switch autoescaping with a tag are
    left to the runtime."""

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(constant_label_translations=None)
        environment.globals[TRANSLATED] = _translated

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        translations = self.environment.constant_label_translations  # type: ignore[attr-defined]
        tokens = list(stream)
        if translations is None or _switches_autoescape(tokens):
            return tokens
        return list(_folded(tokens, translations.gettext))


TRANSLATED = "translated_label"


@jinja2.pass_eval_context
def _translated(eval_context: jinja2.nodes.EvalContext, text: str, **variables: Any) -> str:
    """What newstyle gettext does once it has the translation (see jinja2.ext)."""
    label = Markup(text) if eval_context.autoescape else text
    return label % variables


_LABEL = ["variable_begin", "name", "lparen", "string", "rparen", "variable_end"]


_GETTEXT = ("_", "gettext")


def _switches_autoescape(tokens: list[Token]) -> bool:
    return any(
        token.type == "name" and token.value == "autoescape" and before.type == "block_begin"
        for before, token in pairwise(tokens)
    )


def _folded(tokens: list[Token], translate: Callable[[str], str]) -> Iterator[Token]:
    index = 0
    while index < len(tokens):
        label = tokens[index : index + len(_LABEL)]
        if [t.type for t in label] == _LABEL and label[1].value in _GETTEXT:
            try:
                text = translate(label[3].value) % {}
            except (TypeError, ValueError, KeyError):  # the runtime reports it as it would
                text = None
            if text is not None:
                yield Token(label[0].lineno, "data", text)
                index += len(_LABEL)
                continue
        call = tokens[index : index + 4]
        if (
            [t.type for t in call[:3]] == ["name", "lparen", "string"]
            and call[0].value in _GETTEXT
            and len(call) == 4
            and call[3].type in ("comma", "rparen")
            and (index == 0 or tokens[index - 1].type not in ("dot", "pipe"))
        ):
            name, paren, string = call[:3]
            yield Token(name.lineno, "name", TRANSLATED)
            yield paren
            yield Token(string.lineno, "string", translate(string.value))
            index += 3
            continue
        yield tokens[index]
        index += 1


def memoize_gettext(env: jinja2.Environment) -> None:
    """Translate and format each label once per distinct set of values."""
    for name in ("gettext", "ngettext"):
        translate = env.globals[name]
        assert callable(translate)
        env.globals[name] = _memoized_translation(translate)


def _memoized_translation(translate: Callable[..., str]) -> Callable[..., str]:
    cache: dict[tuple[Any, ...], str] = {}

    @jinja2.pass_context
    def call(context: jinja2.runtime.Context, *args: Any, **variables: Any) -> str:
        if variables:
            key: tuple[Any, ...] = (
                context.eval_ctx.autoescape,
                args,
                tuple((k, type(v), v) for k, v in sorted(variables.items())),
            )
        else:
            key = (context.eval_ctx.autoescape, args)
        try:
            return cache[key]
        except KeyError:
            result = cache[key] = translate(context, *args, **variables)
            return result
        except TypeError:  # an unhashable argument: translate without the cache
            return translate(context, *args, **variables)

    return call

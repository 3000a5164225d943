"""Rendering replies from Jinja2 templates: a subject, a text part and an HTML part per mail."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    pass_eval_context,
)
from jinja2.bccache import Bucket
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from mailbot.errors import MailbotError
from mailbot.outbound.formatting import Formatter
from mailbot.outbound.translations import LOCALE_DIR, PACKAGE, Catalogues

# Any run of white space or line break, except the no-break spaces that locales put into
# numbers and money ("1 234,50 €"), which must not be split across a folded subject.
_BREAKING_SPACE = re.compile(r"[^\S\xa0\u2007\u202f]+")
# A SKU written inside a sentence ("add 2 more of KNORR-K012-XL", "SAF-44.12"): word
# characters joined by dashes, dots or slashes, with a dash and a digit somewhere, kept whole
# when short enough for a phone's line (a longer run, such as a file name, may break); and the
# tags of a marked-up sentence, which are left alone.
_SKU_IN_TEXT = re.compile(r"(?<![\w./-])(?=[\w./]*-)(?=[\w./-]*\d)\w+(?:[-./]\w+)+(?![\w-])")
SKU_MAX_LENGTH = 28
_TAG = re.compile(r"(<[^>]*>)")


class RenderError(MailbotError):
    """A reply could not be rendered: a missing or broken template, or a missing value."""


class BrokenTemplateError(RenderError):
    """A template does not compile: its name, and Jinja's reason with the line."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"cannot compile {name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _autoescape(template_name: str | None) -> bool:
    # Only the HTML part is escaped; subjects and the text part show partner text as written.
    return template_name is not None and template_name.endswith(".html.j2")


def _tag(name: str) -> Callable[[EvalContext, object], object]:
    # What a sentence stresses (an order number) or quotes as typed ("ABC-123 x 5") gets its
    # tag in the HTML part and stays plain in the text part.
    @pass_eval_context
    def wrap(context: EvalContext, value: object) -> object:
        if not context.autoescape:
            return value
        return Markup(f"<{name}>%s</{name}>") % escape(value)

    return wrap


@pass_eval_context
def _skus(context: EvalContext, value: object) -> object:
    # A browser breaks a line after a dash, so on a phone "KNORR-K012" became "KNORR-" and
    # "K012"; in the HTML part each SKU in a sentence is kept on one line (and found by the
    # class, as the tables' SKUs are). The text part is left as written.
    if not context.autoescape:
        return value
    parts = _TAG.split(str(escape(value)))
    for index in range(0, len(parts), 2):  # the text between the tags
        parts[index] = _SKU_IN_TEXT.sub(_kept_whole, parts[index])
    return Markup("".join(parts))


def _kept_whole(match: re.Match[str]) -> str:
    sku = match.group()
    if len(sku) > SKU_MAX_LENGTH:
        return sku
    return f'<span class="sku" style="white-space:nowrap;">{sku}</span>'


class _CompiledTemplates(BytecodeCache):
    """Each template compiled once per process, whatever the language and zone it is rendered
    in: the renderer has an environment per language and zone (the filters format for them),
    and Jinja compiles a template anew in each. The compiled code does not depend on them (the
    translations and filters are looked up when it runs), only on the template's source, whose
    checksum every use compares."""

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._compiled.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._compiled[bucket.key] = (bucket.checksum, bucket.code)


# Shared by every renderer of the process: their environments are all built alike.
_COMPILED = _CompiledTemplates()


class Renderer:
    """Renders `mail/{name}.subject.j2`, `.txt.j2` and `.html.j2` in a reader's language.

    Templates in `override_dir` win over the packaged ones, file by file, and catalogues in its
    `locale/<lang>/LC_MESSAGES/mailbot.po` over the packaged ones: a catalogue there for a new
    language is all it takes to write in it. Times are shown in `timezone` (an IANA name such
    as "Europe/Bucharest") unless a mail names its reader's own.
    """

    def __init__(self, override_dir: Path | None, timezone: str) -> None:
        self._zone = _zone(timezone)
        loaders: list[BaseLoader] = []
        self.catalogues = PACKAGE
        self._overridden = override_dir is not None
        if override_dir is not None:
            loaders.append(FileSystemLoader(override_dir))
            self.catalogues = Catalogues((override_dir / "locale", LOCALE_DIR))
        loaders.append(PackageLoader("mailbot", "templates"))
        self._loader = ChoiceLoader(loaders)
        # One environment per language and zone because the filters format for those.
        self._environments: dict[tuple[str, str], Environment] = {}

    def render(
        self, name: str, language: str, context: Mapping[str, object], timezone: str = ""
    ) -> RenderedMail:
        """The mail `name` in `language`, or in English when that language has no catalogue;
        times in `timezone` (the reader's own), else in the renderer's."""
        language = self.language(language)
        environment = self._environment(language, timezone)
        try:
            subject, text, html = (
                environment.get_template(f"mail/{name}.{part}.j2").render(context)
                for part in ("subject", "txt", "html")
            )
        except TemplateError as exc:
            raise RenderError(f"cannot render {name} in {language}: {exc}") from exc
        # A subject is one header line whatever the template's line breaks.
        subject = _BREAKING_SPACE.sub(" ", subject).strip()
        return RenderedMail(subject=subject, text=text, html=html)

    def prepare(self) -> None:
        """Compile every mail template and read every catalogue and locale now, at start: the
        first messages do not wait for it, and a template that does not compile stops mailbot
        before it takes any mail (BrokenTemplateError)."""
        names = [name for name in self._loader.list_templates() if name.startswith("mail/")]
        for language in self.catalogues.languages:
            environment = self._environment(language)
            environment.filters["number"](1234.5)  # Babel reads a locale's data at first use
            for name in names:
                try:
                    environment.get_template(name)
                except TemplateError as exc:
                    line = getattr(exc, "lineno", None)
                    where = f"{name}, line {line}" if line else name
                    raise BrokenTemplateError(where, exc.message or type(exc).__name__) from exc

    def language(self, language: str) -> str:
        """The language a reader of `language` ("ru", "ru-RU", "RU") is written to in: its
        own when it has a catalogue, else English."""
        return self.catalogues.written_in(language)

    def _environment(self, language: str, timezone: str = "") -> Environment:
        environment = self._environments.get((language, timezone))
        if environment is None:
            environment = Environment(
                loader=self._loader,
                autoescape=_autoescape,
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
                extensions=["jinja2.ext.i18n"],
                # The packaged templates never change while mailbot runs; overrides are
                # read again when edited.
                auto_reload=self._overridden,
                bytecode_cache=_COMPILED,
            )
            # A sentence may be wrapped over lines in a template; its message id is one line.
            environment.policies["ext.i18n.trimmed"] = True
            translations = self.catalogues.translations(language)
            environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            environment.globals["lang"] = language
            environment.globals["sku_max_length"] = SKU_MAX_LENGTH
            zone = _zone(timezone) if timezone else self._zone
            environment.filters.update(Formatter(language, zone, self.catalogues).filters())
            environment.filters.update(strong=_tag("strong"), code=_tag("code"), skus=_skus)
            self._environments[language, timezone] = environment
        return environment


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(f"unknown time zone {timezone!r}") from exc

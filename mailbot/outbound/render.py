"""Rendering replies from Jinja2 templates: a subject, a text part and an HTML part per mail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)

from mailbot.errors import MailbotError
from mailbot.outbound.formatting import FALLBACK_LANGUAGE, Formatter

# A language code is used in a template path, so only plain tags are accepted.
_LANGUAGE = re.compile(r"[a-z]{2,3}")

# Any run of white space or line break, except the no-break spaces that locales put into
# numbers and money ("1 234,50 €"), which must not be split across a folded subject.
_BREAKING_SPACE = re.compile(r"[^\S\xa0\u2007\u202f]+")


class RenderError(MailbotError):
    """A reply could not be rendered: a missing or broken template, or a missing value."""


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _autoescape(template_name: str | None) -> bool:
    # Only the HTML part is escaped; subjects and the text part show partner text as written.
    return template_name is not None and template_name.endswith(".html.j2")


class Renderer:
    """Renders `{language}/{name}.subject.j2`, `.txt.j2` and `.html.j2`.

    Templates in `override_dir` win over the packaged ones, file by file. Times are shown in
    `timezone` (an IANA name such as "Europe/Bucharest") unless a mail names its reader's own.
    """

    def __init__(self, override_dir: Path | None, timezone: str) -> None:
        self._zone = _zone(timezone)
        loaders: list[BaseLoader] = []
        if override_dir is not None:
            loaders.append(FileSystemLoader(override_dir))
        loaders.append(PackageLoader("mailbot", "templates"))
        self._loader = ChoiceLoader(loaders)
        # One environment per language and zone because the filters format for those.
        self._environments: dict[tuple[str, str], Environment] = {}

    def render(
        self, name: str, language: str, context: Mapping[str, object], timezone: str = ""
    ) -> RenderedMail:
        """The mail `name` in `language`, or in English when that language has no such template;
        times in `timezone` (the reader's own), else in the renderer's."""
        language = self._language(name, language)
        environment = self._environment(language, timezone)
        try:
            subject, text, html = (
                environment.get_template(f"{language}/{name}.{part}.j2").render(context)
                for part in ("subject", "txt", "html")
            )
        except TemplateError as exc:
            raise RenderError(f"cannot render {language}/{name}: {exc}") from exc
        # A subject is one header line whatever the template's line breaks.
        subject = _BREAKING_SPACE.sub(" ", subject).strip()
        return RenderedMail(subject=subject, text=text, html=html)

    def _language(self, name: str, language: str) -> str:
        tag = language.strip().lower().replace("_", "-").split("-")[0]
        if _LANGUAGE.fullmatch(tag) and tag != FALLBACK_LANGUAGE:
            try:
                self._environment(tag).get_template(f"{tag}/{name}.subject.j2")
            except TemplateNotFound:
                return FALLBACK_LANGUAGE
            except TemplateError as exc:
                raise RenderError(f"cannot load {tag}/{name}: {exc}") from exc
            return tag
        return FALLBACK_LANGUAGE

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
            )
            zone = _zone(timezone) if timezone else self._zone
            environment.filters.update(Formatter(language, zone).filters())
            self._environments[language, timezone] = environment
        return environment


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(f"unknown time zone {timezone!r}") from exc

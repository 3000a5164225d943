"""The cabinet's pages: Jinja2 templates under `templates/web`, in the reader's language (the
same gettext catalogues as the mail) with money and times formatted for it, times in the
reader's own zone."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mailbot.outbound.formatting import Formatter
from mailbot.outbound.translations import PACKAGE, SOURCE_LANGUAGE


class Views:
    def __init__(self, timezone: str) -> None:
        self._zone = timezone
        self._loader = PackageLoader("mailbot", "templates")
        self._environments: dict[tuple[str, str], Environment] = {}

    def page(
        self,
        name: str,
        context: Mapping[str, object],
        *,
        language: str = SOURCE_LANGUAGE,
        timezone: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        """Template `web/{name}.html.j2` as a page for a reader of `language` in `timezone`."""
        language = self.language(language)
        template = self._environment(language, timezone or self._zone).get_template(
            f"web/{name}.html.j2"
        )
        return HTMLResponse(template.render(context), status_code=status)

    def language(self, language: str) -> str:
        return PACKAGE.written_in(language)

    def _environment(self, language: str, timezone: str) -> Environment:
        environment = self._environments.get((language, timezone))
        if environment is None:
            environment = Environment(
                loader=self._loader,
                autoescape=select_autoescape(["j2"]),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                extensions=["jinja2.ext.i18n"],
                auto_reload=False,
            )
            environment.policies["ext.i18n.trimmed"] = True
            translations = PACKAGE.translations(language)
            environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            environment.globals["lang"] = language
            environment.filters.update(Formatter(language, _zone(timezone), PACKAGE).filters())
            self._environments[language, timezone] = environment
        return environment


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")

"""The base of every section of the configuration: a frozen model that refuses keys it does not
know, so that a misspelt key is an error naming it instead of a setting silently left out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

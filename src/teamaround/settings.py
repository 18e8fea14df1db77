"""Typed settings from the environment; production refuses development defaults."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "sqlite:///var/teamaround.db"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TEAMAROUND_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = Field(
        default=DEFAULT_DATABASE,
        validation_alias=AliasChoices("TEAMAROUND_DATABASE_URL", "DATABASE_URL"),
    )

    @model_validator(mode="after")
    def _production_is_explicit(self) -> Settings:
        if self.environment == Environment.PRODUCTION and self.database_url == DEFAULT_DATABASE:
            raise ValueError("production needs DATABASE_URL set to the partnership's database")
        return self

    @property
    def development(self) -> bool:
        return self.environment == Environment.DEVELOPMENT

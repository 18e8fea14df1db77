"""Typed settings from the environment; production refuses development defaults."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "sqlite:///var/teamaround.db"
# Signs the page session cookie; anyone holding it can forge a sign-in, so production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105


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
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    notifier: str = "null"  # null, console or webhook: how alerts leave besides the inbox
    webhook_url: str | None = None
    timer_interval_seconds: float = 60.0

    @model_validator(mode="after")
    def _production_is_explicit(self) -> Settings:
        if self.environment == Environment.PRODUCTION and self.database_url == DEFAULT_DATABASE:
            raise ValueError("production needs DATABASE_URL set to the partnership's database")
        if self.environment == Environment.PRODUCTION and not self._secret_is_set():
            raise ValueError("production needs TEAMAROUND_SECRET_KEY: 32 or more random characters")
        return self

    def _secret_is_set(self) -> bool:
        secret = self.secret_key.get_secret_value()
        return secret != DEVELOPMENT_SECRET_KEY and len(secret) >= 32

    @property
    def development(self) -> bool:
        return self.environment == Environment.DEVELOPMENT

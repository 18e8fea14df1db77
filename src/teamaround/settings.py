"""Typed settings from the environment; production refuses development defaults."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "sqlite:///var/teamaround.db"
# Signs the page session cookie; anyone holding it can forge a sign-in, so production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105  # nosec B105


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
    # Sign-in (docs/decisions/0006-sign-in.md): a page session ends when idle or too old.
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=10, ge=1)
    sign_in_max_failures: int = Field(default=5, ge=1)  # then the account is locked...
    sign_in_lockout_minutes: int = Field(default=15, ge=1)  # ...for this long
    # The partnership's OpenID Connect provider; sign-in through it is offered when set.
    oidc_metadata_url: str | None = None  # .../.well-known/openid-configuration
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_claim: Literal["sub", "email"] = "sub"  # the claim linked to a professional

    @model_validator(mode="after")
    def _production_is_explicit(self) -> Settings:
        if self.environment == Environment.PRODUCTION and self.database_url == DEFAULT_DATABASE:
            raise ValueError("production needs DATABASE_URL set to the partnership's database")
        if self.environment == Environment.PRODUCTION and not self._secret_is_set():
            raise ValueError("production needs TEAMAROUND_SECRET_KEY: 32 or more random characters")
        self._oidc_is_complete()
        return self

    def _oidc_is_complete(self) -> None:
        """A half-configured provider fails at start, not at a professional's first sign-in."""
        if self.oidc_client_id is None:
            return
        secret = self.oidc_client_secret.get_secret_value() if self.oidc_client_secret else ""
        if not self.oidc_metadata_url or not secret:
            raise ValueError(
                "TEAMAROUND_OIDC_CLIENT_ID needs TEAMAROUND_OIDC_METADATA_URL "
                "and TEAMAROUND_OIDC_CLIENT_SECRET"
            )
        if self.environment == Environment.PRODUCTION and not self.oidc_metadata_url.startswith(
            "https://"
        ):
            raise ValueError("production needs an https:// TEAMAROUND_OIDC_METADATA_URL")

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_client_id is not None

    def _secret_is_set(self) -> bool:
        secret = self.secret_key.get_secret_value()
        return secret != DEVELOPMENT_SECRET_KEY and len(secret) >= 32

    @property
    def development(self) -> bool:
        return self.environment == Environment.DEVELOPMENT

"""``http``, ``tcp`` and ``dns``: a service the change relies on answers.

```yaml
- {id: api, type: http, url: "https://staging.example.com/health", expect_status: [200]}
- {id: db, type: tcp, host: db.internal, port: 5432}
- {id: registry, type: dns, name: registry.example.com, expect: ["10.0.0.5"]}
```

They look at the world as it is now: their results are reused only where a
profile says ``cache: true``. A service that answers wrongly fails; one that
cannot be reached in time could not be checked (``errored``).
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from otv.probing import check_http, check_tcp, resolve
from otv.redaction import redact
from otv.scenarios import ScenarioContext, ScenarioOutput, could_not_check, failed, passed


class _Outside:
    requires_worktree: ClassVar[bool] = False
    cached_by_default: ClassVar[bool] = False

    def cache_inputs(self, config: BaseModel, context: ScenarioContext) -> str:
        return ""  # the configuration names everything it looks at


class HttpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: list[int] = Field(default_factory=list)


class HttpScenario(_Outside):
    config_model: ClassVar[type[BaseModel]] = HttpConfig

    async def run(self, config: HttpConfig, context: ScenarioContext) -> ScenarioOutput:
        where = redact(config.url)
        expected = f"status {', '.join(map(str, config.expect_status)) or '2xx or 3xx'}"
        try:
            ok, detail = await asyncio.to_thread(
                check_http, config.url, config.method, context.timeout_s, config.expect_status
            )
        except (OSError, TimeoutError) as exc:
            reason = str(exc) or "no answer"
            if "refused" in reason.lower():
                return failed(f"{where} refuses connections", expected=expected)
            return could_not_check(
                f"{where} cannot be reached: {redact(reason)}", expected=expected
            )
        return (
            passed(f"{where}: {detail}") if ok else failed(f"{where}: {detail}", expected=expected)
        )


class TcpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class TcpScenario(_Outside):
    config_model: ClassVar[type[BaseModel]] = TcpConfig

    async def run(self, config: TcpConfig, context: ScenarioContext) -> ScenarioOutput:
        where = f"{config.host}:{config.port}"
        try:
            await asyncio.wait_for(check_tcp(config.host, config.port), context.timeout_s)
        except ConnectionRefusedError:
            return failed(f"{where} refuses connections", expected="a listening port")
        except TimeoutError:
            return could_not_check(f"{where} did not answer within {context.timeout_s:g} s")
        except OSError as exc:
            return could_not_check(f"{where} cannot be reached: {exc.strerror or exc}")
        return passed(f"{where} accepts connections")


class DnsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    # Addresses it must resolve to (among others); empty: any.
    expect: list[str] = Field(default_factory=list)


class DnsScenario(_Outside):
    config_model: ClassVar[type[BaseModel]] = DnsConfig

    async def run(self, config: DnsConfig, context: ScenarioContext) -> ScenarioOutput:
        addresses = await asyncio.wait_for(resolve(config.name), context.timeout_s)
        if not addresses:
            return failed(f"{config.name} does not resolve", expected="an address")
        missing = [a for a in config.expect if a not in addresses]
        if missing:
            return failed(
                f"{config.name} resolves to {', '.join(addresses)}, not {', '.join(missing)}",
                expected=", ".join(config.expect),
            )
        return passed(f"{config.name} resolves to {', '.join(addresses[:5])}")

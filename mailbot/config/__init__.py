"""Configuration: one TOML file, any key overridable by `MAILBOT_<SECTION>__<KEY>`, validated once.

The result is a frozen, typed `Config` passed to whatever needs it; nothing reads the
environment or the file after start-up. `model` holds `Config` and its sections (the mail's in
`mail`, the orders' in `orders`); `loading` builds it from the file and the environment
(`sources`) and makes relative paths absolute; `errors` words what is wrong, naming the key;
`view` gives the rows of `config show`. The names the rest of mailbot imports are here.
"""

from mailbot.config.errors import ConfigError
from mailbot.config.loading import load_config
from mailbot.config.mail import ImapConfig, SmtpIngressConfig, SmtpOutgoingConfig
from mailbot.config.model import (
    PATH_KEYS,
    Config,
    RabbitmqConfig,
    SecurityConfig,
    StorageConfig,
)
from mailbot.config.orders import PRICE_FIELDS, PriceListsConfig, PricingConfig

__all__ = [
    "PATH_KEYS",
    "PRICE_FIELDS",
    "Config",
    "ConfigError",
    "ImapConfig",
    "PriceListsConfig",
    "PricingConfig",
    "RabbitmqConfig",
    "SecurityConfig",
    "SmtpIngressConfig",
    "SmtpOutgoingConfig",
    "StorageConfig",
    "load_config",
]

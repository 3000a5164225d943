"""Configuration: the file, the environment, and errors that name the key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mailbot.config import Config, ConfigError, SmtpIngressConfig, load_config

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def test_example_file_documents_the_defaults() -> None:
    """config.example.toml, read as it is, gives exactly the built-in defaults (its relative
    paths taken from its folder, as the default's are from the data home)."""
    at_home = load_config(environ={"MAILBOT_HOME": str(EXAMPLE.parent)})
    assert load_config(EXAMPLE, environ={}) == at_home
    assert at_home.model_dump(exclude={"storage", "smtp_outgoing"}) == Config().model_dump(
        exclude={"storage", "smtp_outgoing"}
    )


def test_no_file_gives_the_embedded_default() -> None:
    """Without --config or MAILBOT_CONFIG the embedded default (SQLite, local listener) applies."""
    config = load_config(environ={})
    assert config.storage.url.startswith("sqlite:///")
    assert config.smtp_ingress.host == "127.0.0.1"
    assert config.smtp_outgoing.host == ""


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """MAILBOT_SECTION__KEY wins over the file, with scalar and list values converted."""
    path = tmp_path / "mailbot.toml"
    path.write_text('[smtp_ingress]\nport = 2600\n[storage]\nurl = "sqlite:///a.db"\n')
    config = load_config(
        path,
        environ={
            "MAILBOT_SMTP_INGRESS__PORT": "2700",
            "MAILBOT_SMTP_INGRESS__RECIPIENTS": '["a@x.example", "b@x.example"]',
            "MAILBOT_IMAP__PASSWORD": "12345",
            "MAILBOT_PRICING__DEFAULT_MARKUP_PERCENT": "12.5",
        },
    )
    assert config.smtp_ingress.port == 2700
    assert config.smtp_ingress.recipients == ("a@x.example", "b@x.example")
    assert config.imap.password == "12345"
    assert config.pricing.default_markup_percent == Decimal("12.5")
    assert config.storage.url == f"sqlite:///{tmp_path}/a.db"  # beside the file


def test_mailbot_config_variable_names_the_file(tmp_path: Path) -> None:
    """MAILBOT_CONFIG points at the file when --config is not given."""
    path = tmp_path / "other.toml"
    path.write_text('[scheduler]\ntimezone = "Europe/Moscow"\n')
    assert load_config(environ={"MAILBOT_CONFIG": str(path)}).scheduler.timezone == "Europe/Moscow"


@pytest.mark.parametrize(
    ("text", "environ", "named"),
    [
        ("[smtp_ingress]\nport = 'abc'\n", {}, "smtp_ingress.port"),
        ("[smtp_ingress]\nprot = 25\n", {}, 'smtp_ingress.prot (in '),
        ("[smtp_ingress]\nprot = 25\n", {},
         'no such key "prot" in [smtp_ingress]; did you mean "port"?'),
        ("[nonsense]\nx = 1\n", {}, 'no such section "nonsense"; the sections are storage,'),
        ("", {"MAILBOT_SMTP_OUTGOING__SECURITY": "ssl"}, "smtp_outgoing.security"),
        ("", {"MAILBOT_SCHEDULER__TIMEZONE": "Mars/Olympus"}, "scheduler.timezone"),
        ("", {"MAILBOT_PRICING__CURRENCY": "EURO"}, "pricing.currency"),
        ("", {"MAILBOT_STORAGE__URL": "mysql://x"}, "storage.url"),
        ("", {"MAILBOT_PROCESSING__MAX_ATTEMPTS": "0"}, "processing.max_attempts"),
        ("[pricing]\nvat_percent = 120\n", {}, "pricing.vat_percent"),
        ("", {"MAILBOT_PRICING__VAT_PERCENT": "-1"}, "pricing.vat_percent"),
        ("[pricing]\npsychological_ending = '1.90'\n", {}, "pricing.psychological_ending"),
        ("[pricing]\npsychological_ending = 'ninety'\n", {}, "pricing.psychological_ending"),
        ("[pricing.supplier_priority]\n'a@b.example' = 'high'\n", {}, "pricing.supplier_priority"),
        ("[[pricing.rules]]\npercent = -150\n", {}, "pricing.rules.0.percent"),
        ("[[pricing.rules]]\nbrand = 'X'\n[[pricing.rules]]\nfixed = -1\n", {},
         "pricing.rules.1.fixed"),
        ("[[pricing.rules]]\nmin_margin = -0.5\n", {}, "pricing.rules.0.min_margin"),
        ("[[pricing.rules]]\ncurrency = 'EURO'\n", {}, "pricing.rules.0.currency"),
        ("[[pricing.rules]]\nsupplier = 'Balkan Truck Parts'\n", {}, "pricing.rules.0.supplier"),
        ("[[pricing.rules]]\nbrnad = 'X'\n", {},
         'no such key "brnad" in [pricing.rules.0]; did you mean "brand"?'),
        ("", {"MAILBOT_PRICING__RULES": '[{"group": "fleet", "percent": "x"}]'},
         "pricing.rules.0.percent"),
        ("[scheduler]\ndigest_time = '25:00'\n", {}, "scheduler.digest_time"),
        ("", {"MAILBOT_SCHEDULER__TICK_SECONDS": "0"}, "scheduler.tick_seconds"),
        ("", {"MAILBOT_SCHEDULER__ENABLED": "maybe"}, "scheduler.enabled"),
        ("[deadlines]\nopens = '18:00'\ncloses = '09:00'\n", {}, "deadlines.closes"),
        ("[deadlines]\ndays = ['mon', 'funday']\n", {}, "deadlines.days"),
        ("[deadlines]\ndays = []\n", {}, "deadlines.days"),
        ("[deadlines]\nagreement_hours = 0\n", {}, "deadlines.agreement_hours"),
        ("[deadlines]\nescalation_hours_after = 4\nexpiry_hours_after = 2\n", {},
         "deadlines.expiry_hours_after"),
        ("", {"MAILBOT_DEADLINES__BUSINESS_HOURS": "sometimes"}, "deadlines.business_hours"),
        ("", {"MAILBOT_RABBITMQ__URL": "http://broker/"}, "rabbitmq.url"),
        ("[rabbitmq]\nexchange = 'amq.topic'\n", {}, "rabbitmq.exchange"),
        ("", {"MAILBOT_RABBITMQ__BATCH_SIZE": "0"}, "rabbitmq.batch_size"),
        ("[rabbitmq]\ndead_letter_queue = 'mailbot.erp'\n", {}, "rabbitmq.dead_letter_queue"),
        ("[rabbitmq]\nbindings = []\n", {}, "rabbitmq.bindings"),
    ],
)  # fmt: skip
def test_invalid_values_name_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], named: str
) -> None:
    """A wrong key or value stops loading with a message that names the key and its source,
    in plain words: nothing of the validation library's wording."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ)
    message = str(caught.value)
    assert named in message
    assert next(iter(environ)) in message if environ else f"(in {path})" in message
    for wording in ("Input should", "Value error", "type=", "pydantic", "validation error"):
        assert wording not in message


def test_unreadable_and_invalid_files_are_named(tmp_path: Path) -> None:
    """A missing file or broken TOML is reported with the file's path."""
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_config(tmp_path / "missing.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[storage\nurl=")
    with pytest.raises(ConfigError, match=r"broken\.toml is not valid TOML"):
        load_config(broken, environ={})


def test_config_is_frozen() -> None:
    """Configuration objects cannot be changed after loading."""
    config = load_config(environ={})
    with pytest.raises(ValueError, match="frozen"):
        config.storage.url = "sqlite:///other.db"  # type: ignore[misc]


def test_pricing_rules_priorities_vat_and_ending_are_read(tmp_path: Path) -> None:
    """[[pricing.rules]], supplier priorities, VAT and the psychological ending are read."""
    path = tmp_path / "pricing.toml"
    path.write_text(
        "[pricing]\n"
        "vat_percent = 19\n"
        'psychological_ending = "0.90"\n'
        "[pricing.supplier_priority]\n"
        '"Sales@Balkan.example" = 10\n'
        "[[pricing.rules]]\n"
        'group = "fleet"\n'
        "percent = 12.5\n"
        "[[pricing.rules]]\n"
        'supplier = "Sales@Balkan.example"\n'
        'currency = "RON"\n'
        "fixed = 2.50\n"
        "min_margin = 5\n"
    )
    pricing = load_config(path, environ={}).pricing
    assert pricing.vat_percent == Decimal(19)
    assert pricing.psychological_ending == Decimal("0.90")
    assert pricing.supplier_priority == {"Sales@Balkan.example": 10}
    fleet, balkan = pricing.rules
    assert (fleet.group, fleet.percent, fleet.fixed, fleet.min_margin) == (
        "fleet", Decimal("12.5"), Decimal(0), None
    )  # fmt: skip
    assert (balkan.supplier, balkan.currency) == ("sales@balkan.example", "RON")
    assert (balkan.fixed, balkan.min_margin) == (Decimal("2.50"), Decimal(5))


def test_an_empty_ending_turns_psychological_rounding_off() -> None:
    """psychological_ending "" (the default) means none; "0" means whole units."""
    assert load_config(environ={}).pricing.psychological_ending is None
    ending = {"MAILBOT_PRICING__PSYCHOLOGICAL_ENDING": "0"}
    assert load_config(environ=ending).pricing.psychological_ending == Decimal(0)


def test_the_example_rules_are_valid_once_uncommented(tmp_path: Path) -> None:
    """The commented [pricing] and [price_lists] examples in config.example.toml load when
    uncommented."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for example in ('"sales@balkan-truck-parts.example" =', "[[pricing.rules]]", "group =",
                    "brand =", "currency =", "percent =", "fixed =", "min_margin ="):  # fmt: skip
        text = text.replace(f"# {example}", example)
    path = tmp_path / "uncommented.toml"
    path.write_text(text, encoding="utf-8")
    pricing = load_config(path, environ={}).pricing
    assert [rule.group or rule.brand for rule in pricing.rules] == ["fleet", "Knorr-Bremse"]
    assert pricing.supplier_priority == {"sales@balkan-truck-parts.example": 10}
    assert pricing.supplier_markup_percent == {"sales@balkan-truck-parts.example": Decimal(15)}
    supplier = load_config(path, environ={}).price_lists.suppliers[
        "sales@balkan-truck-parts.example"
    ]
    assert supplier.columns == {"sku": "Part No", "price": "Netto"}
    assert (supplier.currency, supplier.vat_included) == ("EUR", True)


def test_sender_auth_needs_a_trusted_server_or_own_dkim(tmp_path: Path) -> None:
    """require_sender_auth without trusted servers or verify_dkim is an error naming the key."""
    path = tmp_path / "mailbot.toml"
    path.write_text("[security]\nrequire_sender_auth = true\n")
    needs = r"security\.require_sender_auth \(in .*\): true needs .*trusted_authserv_ids"
    with pytest.raises(ConfigError, match=needs):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match=r"security\.trusted_authserv_ids"):
        load_config(path, environ={"MAILBOT_SECURITY__TRUSTED_AUTHSERV_IDS": '[" "]'})
    trusting = load_config(
        path, environ={"MAILBOT_SECURITY__TRUSTED_AUTHSERV_IDS": '[" MX.Distributor.Example "]'}
    )
    assert trusting.security.trusted_authserv_ids == ("mx.distributor.example",)
    verifying = load_config(path, environ={"MAILBOT_SECURITY__VERIFY_DKIM": "true"})
    assert verifying.security.verify_dkim


USERS = {"relay": "s3cret-relay"}


def test_smtp_ingress_tls_and_auth_settings_must_agree() -> None:
    """A certificate without a key, require_tls or AUTH users without TLS, are refused."""
    with pytest.raises(ValueError, match="tls_key_file is empty"):
        SmtpIngressConfig(tls_cert_file="cert.pem")
    with pytest.raises(ValueError, match="require_tls needs"):
        SmtpIngressConfig(require_tls=True)
    with pytest.raises(ValueError, match="offered AUTH only over TLS"):
        SmtpIngressConfig(auth_users=USERS)
    with pytest.raises(ValueError, match="auth_required needs"):
        SmtpIngressConfig(auth_required=True)
    assert SmtpIngressConfig(auth_users=USERS, auth_allow_plaintext=True).auth_users == USERS


def test_smtp_auth_users_from_the_environment_as_json() -> None:
    """MAILBOT_SMTP_INGRESS__AUTH_USERS takes a JSON table of user names and passwords."""
    config = load_config(
        environ={
            "MAILBOT_SMTP_INGRESS__AUTH_USERS": '{"relay": "s3cret-relay"}',
            "MAILBOT_SMTP_INGRESS__AUTH_ALLOW_PLAINTEXT": "true",
        }
    )
    assert config.smtp_ingress.auth_users == USERS

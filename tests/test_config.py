import os
from pathlib import Path

import pytest
from helpers_servers import SECRET, write_config

from dodo_transform.cli import main
from dodo_transform.relay.config import ConfigError, load_config, load_secrets, load_server_config
from dodo_transform.relay.ratelimit import Rate

ROOT = Path(__file__).resolve().parent.parent
ENV = {"DODO_WEBHOOK_SECRET": SECRET, "MAILERLITE_API_KEY": "ml-key"}


def test_example_config_loads_with_its_documented_defaults() -> None:
    config = load_config(ROOT / "examples" / "dodo-transform.toml", ENV)
    assert config.server.port == 8000
    assert config.server.admin_token is None  # ${DODO_TRANSFORM_ADMIN_TOKEN:-} unset
    assert config.server.database == ROOT / "examples" / "dodo-transform.db"
    ep = config.endpoints["mailerlite-payments"]
    assert ep.secrets == (SECRET,)
    assert ep.headers == {"Authorization": "Bearer ml-key", "Accept": "application/json"}
    assert ep.events == frozenset({"payment.succeeded"})
    assert ep.rate_for("connect.mailerlite.com") == Rate(120, 60.0)
    assert ep.retry_schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert ep.retry_on_4xx == frozenset({408, 409, 425, 429})
    assert ep.handler.source.startswith("function handler")
    assert (ep.limits.time_ms, ep.limits.memory_bytes) == (1000, 64 * 1024 * 1024)


def test_mailerlite_is_limited_by_default_and_other_hosts_are_not(tmp_path: Path) -> None:
    ep = load_config(write_config(tmp_path, "http://127.0.0.1:9")).endpoints["test"]
    assert ep.rate_for("connect.mailerlite.com") == Rate(120, 60.0)
    assert ep.rate_for("example.com") is None


@pytest.mark.parametrize(
    "edit, key, problem",
    [
        (
            lambda s: s.replace('"Bearer target-key"', '"${NOPE_NOT_SET}"'),
            "endpoints[0].headers.Authorization",
            "environment variable NOPE_NOT_SET is not set",
        ),
        (
            lambda s: s.replace("shutdown_grace = 2", "shutdown_grace = 2\nbogus = 1"),
            "server.bogus",
            "unknown key",
        ),
        (
            lambda s: s.replace('name = "test"', "name = 5"),
            "endpoints[0].name",
            "must be a string, got an integer",
        ),
        (
            lambda s: s.replace("retry_schedule = [0.2, 0.2, 0.2]", 'retry_schedule = ["x"]'),
            "endpoints[0].retry_schedule[0]",
            "must be an integer or a number",
        ),
        (
            lambda s: s.replace('allow_hosts = ["127.0.0.1"]', 'rate_limit = "fast"'),
            "endpoints[0].rate_limit",
            "is not a rate",
        ),
        (
            lambda s: s.replace('handler = "handler.js"', 'handler = "missing.js"'),
            "endpoints[0].handler",
            "a handler path is read from the config's folder",
        ),
        (
            lambda s: s.replace('url = "', 'url = "ftp://x/'),
            "endpoints[0].url",
            "not an absolute http(s) URL",
        ),
        (lambda s: s.replace("whsec_", ""), "endpoints[0].secrets[0]", None),
        (lambda s: s + "\n[[endpoints]]\nname = 1\n", "endpoints[1].name", "must be a string"),
        (lambda s: s.replace("[server]", "[server\n"), "-", "invalid TOML"),
    ],
)
def test_problems_name_file_key_and_problem(tmp_path: Path, edit, key, problem) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(edit(path.read_text()))
    try:
        load_config(path, {})
    except ConfigError as e:
        assert e.key == key
        # "-": the file as a whole, which the message does not name as a key.
        assert str(e).startswith(f"{path}: " if key == "-" else f"{path}: {key}: ")
        assert ": -:" not in str(e)
        if problem:
            assert problem in e.problem
    else:
        assert problem is None, "expected a ConfigError"  # base64 without prefix is still valid


def test_handler_syntax_error_stops_startup_with_its_position(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, "http://127.0.0.1:9", handler="function handler(webhook) {\n  return webhook\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "endpoints[0].handler"
    assert "syntax_error" in info.value.problem


def test_serve_with_a_bad_config_prints_one_line_and_exits_2(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(path.read_text().replace('"Bearer target-key"', '"${NOPE_NOT_SET}"'))
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"dodo-transform: {path}: endpoints[0].headers.Authorization: ")


def test_missing_config_file_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_database_is_relative_to_the_config_file(tmp_path: Path) -> None:
    sub = tmp_path / "conf"
    sub.mkdir()
    path = write_config(sub, "http://127.0.0.1:9")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert load_config(Path("conf") / path.name).server.database == Path("conf/store.db")
    finally:
        os.chdir(cwd)


def test_rewrite_urls_send_a_hard_coded_api_host_elsewhere(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    text = path.read_text()
    path.write_text(
        text + "\n[endpoints.rewrite_urls]\n"
        '"https://connect.mailerlite.com/" = "http://127.0.0.1:8025/"\n'
        '"https://connect.mailerlite.com/api/batch" = "http://127.0.0.1:9/b"\n'
    )
    ep = load_config(path).endpoints["test"]
    assert ep.rewrite("https://connect.mailerlite.com/api/subscribers/a%40b.c") == (
        "http://127.0.0.1:8025/api/subscribers/a%40b.c"
    )
    assert ep.rewrite("https://connect.mailerlite.com/api/batch") == "http://127.0.0.1:9/b"
    assert ep.rewrite("https://other.example/x") == "https://other.example/x"


@pytest.mark.parametrize(
    "prefix, replacement, sent_to",
    [
        ("https://connect.mailerlite.com/", "http://127.0.0.1:8025", "127.0.0.1:8025api/"),
        ("https://connect.mailerlite.com", "http://127.0.0.1:8025/", "127.0.0.1:8025//api/"),
    ],
)
def test_rewrite_urls_refuse_a_slash_at_the_end_of_one_side_only(
    tmp_path: Path, prefix: str, replacement: str, sent_to: str
) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(
        path.read_text() + f'\n[endpoints.rewrite_urls]\n"{prefix}" = "{replacement}"\n'
    )
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert f"rewrite_urls.{prefix}" in str(e.value) and sent_to in str(e.value)
    assert "end both with '/' or neither" in str(e.value)


def test_rewrite_urls_must_be_urls(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(
        path.read_text() + '\n[endpoints.rewrite_urls]\n"connect.mailerlite.com" = "x"\n'
    )
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "rewrite_urls" in str(e.value) and "not an absolute http(s) URL" in str(e.value)


def test_events_typo_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "http://127.0.0.1:9",
        extra_endpoint='events = ["payment.failed", "payment.succeded"]',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    e = info.value
    assert e.key == "endpoints[0].events[1]"
    assert "unknown event type 'payment.succeded'" in e.problem
    assert "did you mean 'payment.succeeded'?" in e.problem
    assert "47 Dodo event types" in e.problem and "samples" in e.problem
    assert "\n" not in str(e)


def test_every_known_event_type_is_accepted(tmp_path: Path) -> None:
    from dodo_transform.samples import event_types

    listed = ", ".join(f'"{t}"' for t in event_types())
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=f"events = [{listed}]")
    assert load_config(path).endpoints["test"].events == frozenset(event_types())
    path.write_text(path.read_text().replace(listed, '"nothing.like.it"'))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "did you mean" not in info.value.problem


@pytest.mark.parametrize(
    "codes, bad", [("[408, 500]", "[1]"), ("[200]", "[0]"), ("[399]", "[0]"), ("[42]", "[0]")]
)
def test_retry_on_4xx_must_be_4xx(tmp_path: Path, codes: str, bad: str) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=f"retry_on_4xx = {codes}")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == f"endpoints[0].retry_on_4xx{bad}"
    assert "400..499" in info.value.problem


def test_sandbox_limits_are_per_endpoint(tmp_path: Path) -> None:
    from dodo_transform.sandbox import Limits

    ep = load_config(write_config(tmp_path, "http://127.0.0.1:9")).endpoints["test"]
    assert ep.limits == Limits() and (ep.limits.time_ms, ep.limits.memory_bytes) == (
        1000,
        64 * 1024 * 1024,
    )
    path = write_config(
        tmp_path, "http://127.0.0.1:9", extra_endpoint="time_limit_ms = 250\nmemory_limit_mib = 16"
    )
    ep = load_config(path).endpoints["test"]
    assert (ep.limits.time_ms, ep.limits.memory_bytes) == (250, 16 * 1024 * 1024)
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint="max_request_bytes = 9000")
    assert load_config(path).endpoints["test"].limits.max_request_bytes == 9000


def test_storage_keys_have_defaults_and_are_checked(tmp_path: Path) -> None:
    server = load_config(write_config(tmp_path, "http://127.0.0.1:9")).server
    assert (server.max_stored_body_bytes, server.retention_days) == (65536, 30.0)
    path = write_config(tmp_path, "http://127.0.0.1:9")
    text = path.read_text()
    path.write_text(
        text.replace(
            "[server]\n", "[server]\nmax_stored_body_bytes = 1024\nretention_days = 0\n", 1
        )
    )
    server = load_config(path).server
    assert (server.max_stored_body_bytes, server.retention_days) == (1024, 0.0)
    path.write_text(text.replace("[server]\n", "[server]\nretention_days = -1\n", 1))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.key == "server.retention_days" and ">= 0" in e.value.problem


@pytest.mark.parametrize(
    "line, key, problem",
    [
        ("time_limit_ms = 0", "time_limit_ms", "greater than 0"),
        ("time_limit_ms = -5", "time_limit_ms", "greater than 0"),
        ("time_limit_ms = nan", "time_limit_ms", "greater than 0"),
        ("time_limit_ms = inf", "time_limit_ms", "finite"),
        ("time_limit_ms = 1e12", "time_limit_ms", "at most 86400000 (a day)"),
        ('time_limit_ms = "fast"', "time_limit_ms", "must be a number, got the string 'fast'"),
        ('time_limit_ms = "500"', "time_limit_ms", "(a number is written without quotes)"),
        ("memory_limit_mib = 3", "memory_limit_mib", "at least 4"),
        ("memory_limit_mib = 8.5", "memory_limit_mib", "must be an integer"),
        ("max_request_bytes = 0", "max_request_bytes", "greater than 0"),
    ],
)
def test_sandbox_limits_are_checked(tmp_path: Path, line: str, key: str, problem: str) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_endpoint=line)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == f"endpoints[0].{key}" and problem in info.value.problem


def test_numbers_may_come_from_the_environment(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(
        path.read_text().replace("[server]\n", '[server]\nport = "${TEST_PORT:-8123}"\n', 1)
    )
    assert load_config(path, {}).server.port == 8123
    assert load_config(path, {"TEST_PORT": "9001"}).server.port == 9001
    with pytest.raises(ConfigError) as e:
        load_config(path, {"TEST_PORT": "eighty"})
    assert "server.port" in str(e.value) and "'eighty', which is not an integer" in str(e.value)


def test_every_loader_reads_a_file_with_every_table_serve_reads(tmp_path: Path) -> None:
    # The operator's commands read [server] only, and send-sample one endpoint's secrets;
    # a [ui] table serve accepts made them refuse the file ("ui: unknown key").
    path = write_config(tmp_path, "http://127.0.0.1:9", extra_server="port = 8123")
    path.write_text(path.read_text() + "\n[ui]\nallow_handler_edit = false\n")
    assert load_config(path, {}).server.port == 8123
    assert load_server_config(path, {}).port == 8123
    server, secrets = load_secrets(path, "test", {})
    assert server.port == 8123 and secrets == (SECRET,)
    path.write_text(path.read_text() + "\n[bogus]\n")
    for load in (load_server_config, lambda p, env: load_secrets(p, "test", env)):
        with pytest.raises(ConfigError, match="bogus: unknown key"):
            load(path, {})

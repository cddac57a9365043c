"""The reference pages name everything the code has, so a new key, option or route is documented.

Each list comes from the code itself (the config's own "known keys" message, the argparse
parser, the Starlette routes, the ``Literal`` types), not from a copy kept here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Route

from dodo_transform.cli.main import build_parser
from dodo_transform.relay.config import ConfigError, load_config
from dodo_transform.relay.server import create_app
from dodo_transform.relay.store import STATUSES
from dodo_transform.sandbox import ERROR_KINDS

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLE_ENV = {
    "DODO_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "MAILERLITE_API_KEY": "k",
}


def section(page: str, heading: str) -> str:
    """The text under the first heading that contains ``heading``, to the next heading of the
    same or a higher level."""
    text = (DOCS / page).read_text(encoding="utf-8")
    m = re.search(rf"^(#+) [^\n]*{re.escape(heading)}[^\n]*\n", text, re.M)
    assert m, f"{page} has no heading with {heading!r}"
    level = len(m[1])
    end = re.search(rf"^#{{1,{level}}} ", text[m.end() :], re.M)
    return text[m.end() : m.end() + end.start()] if end else text[m.end() :]


def known_keys(tmp_path: Path, toml: str) -> list[str]:
    path = tmp_path / "x.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={})
    m = re.search(r"known: ([^)]*)\)", e.value.problem)
    assert m, e.value.problem
    return m[1].split(", ")


@pytest.mark.parametrize(
    ("toml", "heading"),
    [
        ("[server]\nnot_a_key = 1\n", "`[server]`"),
        ("[[endpoints]]\nnot_a_key = 1\n", "`[[endpoints]]`"),
    ],
)
def test_the_configuration_page_has_every_key(tmp_path: Path, toml: str, heading: str):
    documented = section("configuration.md", heading)
    keys = known_keys(tmp_path, toml)
    assert keys
    missing = [k for k in keys if not re.search(rf"^\| `{k}` \|", documented, re.M)]
    assert not missing, f"configuration.md {heading} lacks {missing}"


def test_the_cli_page_has_every_command_and_option():
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    missing = []
    for name, sub in commands.choices.items():
        documented = section("cli.md", f"`dodo-transform {name}`")
        for action in sub._actions:
            for option in action.option_strings:
                if (
                    option.startswith("--")
                    and option != "--help"
                    and f"`{option}" not in documented
                ):
                    missing.append(f"{name} {option}")
            if not action.option_strings and action.choices:  # emulate's service
                missing += [f"{name} {c}" for c in action.choices if f"`{c}`" not in documented]
    assert not missing, f"cli.md lacks {missing}"


def test_the_http_api_page_has_every_route():
    config = load_config(DOCS.parent / "examples" / "dodo-transform.toml", environ=EXAMPLE_ENV)
    documented = (DOCS / "admin-api.md").read_text(encoding="utf-8")
    missing = []
    for route in create_app(config).routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            if f"`{method} {route.path}`" not in documented:
                missing.append(f"{method} {route.path}")
    assert not missing, f"admin-api.md lacks {missing}"


def test_the_handlers_page_has_every_error_kind():
    documented = section("handlers.md", "Error kinds")
    assert not [k for k in ERROR_KINDS if f"`{k}`" not in documented]


def test_the_serve_page_has_every_delivery_state():
    documented = section("serve.md", "Delivery states")
    assert not [s for s in STATUSES if not re.search(rf"^\| `{s}` \|", documented, re.M)]

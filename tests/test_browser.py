"""The browser the web pages' tests use starts and renders a page served on 127.0.0.1."""

from __future__ import annotations

from browser import browser, screenshot  # noqa: F401  (the fixture)
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from dodo_transform.serving import ServerThread


def test_chromium_renders_a_page_from_a_local_server(browser) -> None:  # noqa: F811
    async def page(_request: object) -> HTMLResponse:
        return HTMLResponse(
            "<title>t</title><button onclick=\"this.textContent='clicked'\">go</button>"
        )

    with ServerThread(Starlette(routes=[Route("/", page)]), lifespan=False) as server:
        tab = browser.new_page()
        try:
            tab.goto(server.url + "/")
            tab.click("button")
            assert tab.inner_text("button") == "clicked"
            assert screenshot(tab, "browser-smoke").stat().st_size > 0
        finally:
            tab.close()

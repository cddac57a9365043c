"""The handler author's workbench: snapshot tests (``snapshots``), the HTTP test API
(``testapi``, ``POST /api/test``), the pytest plugin (``pytest_plugin``, the ``dodo``
fixture) and the playground (``playground/``, a web page). All of it runs handlers through
:mod:`dodo_transform.testing`, so every tool shows what ``dodo-transform test --json`` shows.
"""

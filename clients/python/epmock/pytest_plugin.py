"""pytest fixtures (entry point ``pytest11``, on once the package is installed):

- ``epmock_server``: one ``epmock serve`` for the whole session (``EPMOCK_BIN``, or
  ``epmock`` on PATH; ``EPMOCK_URL`` and ``EPMOCK_ADMIN_TOKEN`` attach to a running one,
  the image, instead);
- ``epmock``: a fresh store of it for each test;
- ``epmock_clock``: a store of a server of its own, started for the test with a virtual
  clock at 2030-01-01T00:00:00Z (``epmock_clock.clock.advance(3600)``,
  ``.run_until_idle()``): tests that move time do not share it.
"""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from . import Epmock, Store, connect, start


@pytest.fixture(scope="session")
def epmock_server() -> Iterator[Epmock]:
    url = os.environ.get("EPMOCK_URL")
    server = connect(url, token=os.environ.get("EPMOCK_ADMIN_TOKEN", "")) if url else start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def epmock(epmock_server: Epmock) -> Store:
    return epmock_server.store()


@pytest.fixture
def epmock_clock() -> Iterator[Store]:
    server = start(clock="virtual")
    try:
        yield server.store()
    finally:
        server.stop()

import pytest

from integrations.tests.support import VendorServer


@pytest.fixture
def vendor_server():
    server = VendorServer().start()
    yield server
    server.stop()

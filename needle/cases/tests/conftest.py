from typing import Any

import pytest

from needle import testing as t


@pytest.fixture
def world_tx(transactional_db: Any) -> t.World:
    return t.build_world()


@pytest.fixture
def catalog_tx(world_tx: t.World) -> dict[str, Any]:
    return t.build_catalog(world_tx)

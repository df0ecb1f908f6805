"""The migrations build exactly the schema the models describe, on this run's database."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.core.db import db
from backend.stats.triggers import sources


@pytest.fixture
def scratch_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    # Named after this run's test database, so parallel runs on one server don't collide.
    name = f"{make_url(database_url).database}_migrations"
    url = make_url(database_url).set(database=name)
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.render_as_string(hide_password=False)
    admin.dispose()


# SQLite has no GiST: the PostgreSQL-only bounding-box index can't be compared there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_matches_models_and_downgrade_empties(scratch_url):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        assert _tables_with_statistics_triggers(db.engine) == {source.table for source in sources("sqlite")}
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def _tables_with_statistics_triggers(engine) -> set[str]:
    """Tables carrying the triggers that feed the grid statistics (a table rebuild drops them)."""
    query = ("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stat_deltas_%'"
             if engine.dialect.name == "sqlite" else
             "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'stat_deltas_%'")
    with engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())

"""alembic_diff.py DB.db SCHEMA.sql: Alembic's autogenerate comparison of the
database DB.db against SCHEMA.sql (loaded into an in-memory SQLite database
and reflected into a MetaData, standing in for the models), as
`retort diff --from sqlite:DB.db --to file://SCHEMA.sql` compares them.
Prints the number of differences; bench/anchors.sh times the process."""
import sqlite3
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

db_path, schema_path = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    script = f.read()
creator_conn = sqlite3.connect(":memory:", check_same_thread=False)
creator_conn.executescript(script)
desired_engine = sa.create_engine("sqlite://", creator=lambda: creator_conn)
desired = sa.MetaData()
desired.reflect(bind=desired_engine)
engine = sa.create_engine("sqlite:///" + db_path)
with engine.connect() as conn:
    diffs = compare_metadata(MigrationContext.configure(conn), desired)
print(len(diffs))

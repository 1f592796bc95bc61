"""Builds the Feast feature repository of the benchmark's Feast scenarios (scripts/bench/scenarios.sh), in the
Feast virtual environment (.venv-feast): one entity `user_id` (int64) and a view `user` of three features, for
users 1..N, applied and materialized into the benchmark's Redis.

    .venv-feast/bin/python scripts/bench/feast-repo.py <repo dir> <redis port> <users>
"""

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

DEFINITIONS = '''
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64

user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)

user_view = FeatureView(
    name="user",
    entities=[user],
    ttl=timedelta(days=1),
    schema=[Field(name="age", dtype=Int64), Field(name="avg_spend", dtype=Float64), Field(name="visits", dtype=Int64)],
    source=FileSource(path="data/users.parquet", timestamp_field="event_timestamp"),
    online=True,
)
'''


def main(repo, redis_port, users):
    repo = Path(repo)
    (repo / "data").mkdir(parents=True, exist_ok=True)
    (repo / "feature_store.yaml").write_text(
        "project: bench\nregistry: data/registry.db\nprovider: local\n"
        f'online_store:\n  type: redis\n  connection_string: "127.0.0.1:{redis_port}"\n'
        "offline_store:\n  type: file\nentity_key_serialization_version: 3\n"
    )
    (repo / "features.py").write_text(DEFINITIONS)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ids = np.arange(1, users + 1, dtype="int64")
    pd.DataFrame(
        {
            "user_id": ids,
            "age": 18 + ids % 60,
            "avg_spend": (ids % 1000) / 10.0,
            "visits": ids % 7,
            "event_timestamp": now - timedelta(minutes=5),
        }
    ).to_parquet(repo / "data" / "users.parquet")
    feast = str(Path(sys.executable).with_name("feast"))
    subprocess.run([feast, "apply"], cwd=repo, check=True)
    start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    end = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    subprocess.run([feast, "materialize", start, end], cwd=repo, check=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

"""Builds a small Feast feature repository and answers Feast's own online reads, for test_feast.py.

Runs in the Feast virtual environment (.venv-feast, made by scripts/install-deps.sh --tests), apart from the other
test clients, whose pinned dependencies Feast's would conflict with.

    python feast_repo.py setup <repo dir> <redis port>   # writes the data, runs feast apply and feast materialize
    python feast_repo.py online <repo dir> <rows json>   # prints get_online_features for the rows as JSON
"""

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

NOW = datetime.now(timezone.utc).replace(microsecond=0)

FEATURES = [
    "user_stats:age",
    "user_stats:score",
    "user_stats:tier",
    "user_stats:active",
    "user_stats:signup",
    "user_store:visits",
    "user_store:spend",
    "user_store:label",
]

DEFINITIONS = '''
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import Bool, Float64, Int64, String, UnixTimestamp

user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING)
store = Entity(name="store", join_keys=["store_id"], value_type=ValueType.INT64)

user_stats = FeatureView(
    name="user_stats",
    entities=[user],
    ttl=timedelta(days=1),
    schema=[
        Field(name="age", dtype=Int64),
        Field(name="score", dtype=Float64),
        Field(name="tier", dtype=String),
        Field(name="active", dtype=Bool),
        Field(name="signup", dtype=UnixTimestamp),
    ],
    source=FileSource(path="data/users.parquet", timestamp_field="event_timestamp"),
    online=True,
)

user_store = FeatureView(
    name="user_store",
    entities=[user, store],
    ttl=timedelta(days=30),
    schema=[
        Field(name="visits", dtype=Int64),
        Field(name="spend", dtype=Float64),
        Field(name="label", dtype=String),
    ],
    source=FileSource(path="data/user_store.parquet", timestamp_field="event_timestamp"),
    online=True,
)
'''


def setup(repo, redis_port):
    import pandas as pd

    repo = Path(repo)
    (repo / "data").mkdir(parents=True, exist_ok=True)
    (repo / "feature_store.yaml").write_text(
        "project: mlgw_feast\n"
        "registry: data/registry.db\n"
        "provider: local\n"
        "online_store:\n"
        "  type: redis\n"
        f'  connection_string: "127.0.0.1:{redis_port}"\n'
        "offline_store:\n"
        "  type: file\n"
        "entity_key_serialization_version: 3\n"
    )
    (repo / "features.py").write_text(DEFINITIONS)
    signup = NOW - timedelta(days=400)
    users = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "42", "u_old"],
            "age": pd.array([31, 0, -7, 65], dtype="int64"),
            "score": [0.25, 1e-05, -3.5, 0.1],
            "tier": ["gold", "", "007", "basic"],
            "active": [True, False, True, False],
            "signup": [signup, signup + timedelta(days=1), signup, signup],
            # u_old was last written ten days ago, beyond the view's one-day TTL.
            "event_timestamp": [NOW - timedelta(hours=1)] * 3 + [NOW - timedelta(days=10)],
        }
    )
    users.to_parquet(repo / "data" / "users.parquet")
    pairs = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2"],
            "store_id": pd.array([7, 8, 7], dtype="int64"),
            "visits": pd.array([3, 1, 12], dtype="int64"),
            "spend": [19.99, 0.0, 120.5],
            "label": ["regular", "new", "vip"],
            "event_timestamp": [NOW - timedelta(hours=2)] * 3,
        }
    )
    pairs.to_parquet(repo / "data" / "user_store.parquet")
    feast = str(Path(sys.executable).with_name("feast"))
    subprocess.run([feast, "apply"], cwd=repo, check=True)
    start = (NOW - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S")
    end = (NOW + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    subprocess.run([feast, "materialize", start, end], cwd=repo, check=True)
    # The entity data frame of the warm-up test, as a team would export it.
    users[["user_id", "event_timestamp"]].to_csv(repo / "data" / "entities.csv", index=False)


def plain(value):
    """A Feast value as the JSON the gateway writes: datetimes as RFC 3339 UTC strings."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def online(repo, rows):
    from feast import FeatureStore

    store = FeatureStore(repo_path=repo)
    answer = store.get_online_features(features=FEATURES, entity_rows=rows, full_feature_names=True).to_dict()
    print(json.dumps({name: [plain(value) for value in values] for name, values in answer.items()}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], int(sys.argv[3]))
    else:
        online(sys.argv[2], json.loads(sys.argv[3]))

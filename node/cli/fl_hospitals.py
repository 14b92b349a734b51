"""The hospital nodes behind a simulated job (`hnode fl run JOB --runtime simulation --hospitals FILE`).

A simulation runs every hospital's ClientApp in this process's Ray workers, so each needs its node:
this node stands for itself; every other hospital of the job is named in a JSON file,
``{"NAME": {"data_dir": ..., "database_url": ..., "secrets_dir": ...}}`` (``database_url`` and
``secrets_dir`` optional: a SQLite database in ``data_dir``, and this process's environment, e.g. the
node key's passphrase). Anything missing or malformed is refused before the simulation starts and
the job waits again (``run_in_simulation`` hands it back), so nothing runs or is charged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from node.bootstrap import Container, build_container
from node.config import Settings, load_settings
from node.errors import ConfigError, InvalidInput
from node.federated.flower.hospital import SimulatedHospitals
from node.federated.jobs import TrainingJob

FIELDS = ("data_dir", "database_url", "secrets_dir")


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="fl_hospitals_invalid")


def _read(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _bad(f"医院节点文件无法读取 / cannot read {path} as JSON") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise _bad(f'医院节点文件格式错误 / {path}: expected {{"NAME": {{"data_dir": ...}}}}')
    return raw


def _settings(name: str, entry: dict[str, Any]) -> Settings:
    extra = sorted(set(entry) - set(FIELDS))
    if extra or not isinstance(entry.get("data_dir"), str):
        detail = f"unknown fields {', '.join(extra)}" if extra else "data_dir missing"
        raise _bad(
            f"医院 {name[:64]} 的设置有误 / hospital {name[:64]}: {detail} (allowed: {', '.join(FIELDS)})"
        )
    if not all(isinstance(v, str) for v in entry.values()):
        raise _bad(f"医院 {name[:64]} 的设置有误 / hospital {name[:64]}: settings are strings")
    overrides: dict[str, Any] = {"name": name, "data_dir": Path(entry["data_dir"])}
    if "database_url" in entry:
        overrides["database_url"] = entry["database_url"]
    else:
        overrides["database_url"] = ""  # the node's own SQLite file, not this process's NODE_DATABASE_URL
    try:
        return load_settings(entry.get("secrets_dir"), **overrides)
    except ConfigError as exc:
        raise _bad(f"医院 {name[:64]} 的设置有误 / hospital {name[:64]}: {exc}") from None


def simulated_hospitals(node: Container, job: TrainingJob, path: Path | None) -> SimulatedHospitals:
    """Each of the job's hospitals, in the job's order, as a partition of the simulation."""
    named = _read(path)
    names = list(job.spec.participants)
    missing = [n for n in names if n != node.settings.name and n not in named]
    if missing:
        raise _bad(
            f"缺少医院节点设置: {', '.join(missing)} / no settings for hospitals {', '.join(missing)}: "
            'name their nodes with --hospitals FILE ({"NAME": {"data_dir": ..., "database_url": ...}})'
        )
    unknown = sorted(set(named) - set(names))
    if unknown:
        raise _bad(f"这些节点不属于该任务 / not hospitals of job {job.id}: {', '.join(unknown)[:300]}")
    settings = {
        i: node.settings if name == node.settings.name else _settings(name, named[name])
        for i, name in enumerate(names)
    }
    return SimulatedHospitals(settings, build_container)

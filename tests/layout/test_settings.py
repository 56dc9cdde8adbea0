"""Settings live with their package, one frozen dataclass each, and only the entry points read the
environment: importing every module with every JOURNEYS_* variable poisoned changes nothing until
`from_environment` is called."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys

import pytest
from test_import_layout import FLOORS, module_name, our_paths

from journeys.indexer.settings import REPO_ROOT

#: The packages with settings of their own (journeys/, the command line and notebook API, has none).
PACKAGES = [folder for folder in FLOORS if folder != "journeys"]
#: Entry points, which read the environment on import by design: gunicorn's configuration and its app.
ENTRY_MODULES = {"journeys.server.gunicorn_conf", "journeys.server.wsgi"}
POISON = "poisoned-value"
VARIABLES = [
    "JOURNEYS_BUILD_DIR",
    "JOURNEYS_MAX_TEXT_CHARS",
    "JOURNEYS_RAY_CONNECT_S",
    "JOURNEYS_WORKERS",
    "JOURNEYS_THREADS",
    "JOURNEYS_ANALYSIS_SLOTS",
    "JOURNEYS_REQUEST_READ_S",
    "JOURNEYS_SLOT_WAIT_S",
    "JOURNEYS_MAX_WAITING",
]
#: Run in a child with every variable poisoned: import every module, find no trace of the poison in any
#: module-level value, then see `from_environment` read it (a number refused in one line, the build folder
#: taken as given).
CHILD = """
import dataclasses, importlib, json, os, sys
from pathlib import Path

traces = []
for name in json.loads(sys.argv[1]):
    module = importlib.import_module(name)
    for attribute, value in vars(module).items():
        if isinstance(value, (str, Path, tuple, dict)) or dataclasses.is_dataclass(type(value)):
            if sys.argv[2] in repr(value):
                traces.append(f"{name}.{attribute}")
from journeys.indexer.errors import InputError
from journeys.indexer.settings import EngineSettings
from journeys.server.settings import ServerSettings

try:
    ServerSettings.from_environment(os.environ)
    refusal = ""
except InputError as error:
    refusal = str(error)
build_dir = EngineSettings.from_environment(os.environ).build_dir
print(json.dumps({"traces": traces, "refusal": refusal, "build_dir": str(build_dir)}))
"""


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_has_one_frozen_settings_dataclass_with_every_field_defaulted(package):
    module = importlib.import_module(f"journeys.{package}.settings")
    classes = [
        value
        for value in vars(module).values()
        if dataclasses.is_dataclass(value) and value.__module__ == module.__name__
    ]
    assert len(classes) == 1, classes
    (settings_class,) = classes
    assert settings_class.__dataclass_params__.frozen
    settings = settings_class()  # every field has a default
    field = dataclasses.fields(settings_class)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(settings, field, getattr(settings, field))


def test_importing_every_module_reads_no_environment():
    modules = sorted(
        name for name in (module_name(path) for path in our_paths()) if name not in ENTRY_MODULES
    )
    poisoned = {**os.environ, **dict.fromkeys(VARIABLES, POISON)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(modules), POISON],
        cwd=REPO_ROOT,
        env=poisoned,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["traces"] == []
    refusal = f"environment variable JOURNEYS_MAX_TEXT_CHARS must be a whole number, not {POISON!r}"
    assert found["refusal"] == refusal
    assert found["build_dir"] == POISON

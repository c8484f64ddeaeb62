"""The import contract of pyproject.toml covers every module of the three apps.

`lint-imports` (run by .ci/test) checks the layers; a module listed in no layer would
escape that check, so a new module must be given its layer here first.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("correspondence", "workflow", "intranet")


def _contract_layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return [[name.strip() for name in layer.split(":")] for layer in layers]


def _app_modules() -> list[str]:
    modules = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or parts[-1] == "__init__":
                continue
            modules.append(".".join(parts))
    return sorted(modules)


def _layer_of(module: str, layers: list[list[str]]) -> list[int]:
    return [
        index
        for index, layer in enumerate(layers)
        for name in layer
        if module == name or module.startswith(name + ".")
    ]


def test_every_module_of_the_apps_is_in_exactly_one_layer() -> None:
    layers = _contract_layers()
    placed = {module: _layer_of(module, layers) for module in _app_modules()}
    assert [m for m, found in placed.items() if len(found) != 1] == []


def test_every_layer_entry_names_a_module_that_exists() -> None:
    modules = _app_modules()
    for layer in _contract_layers():
        for name in layer:
            assert any(m == name or m.startswith(name + ".") for m in modules), name

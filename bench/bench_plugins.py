"""Start-up cost of plugins: ``vaultcrm --help`` wall time with the three example plugins vs none.

    python bench/bench_plugins.py [--runs 20]

"With plugins" uses the example plugins in plugins/: when they are installed in this
environment they are used as installed; otherwise the script makes them "installed" for the
run only, with a temporary folder on PYTHONPATH holding a ``*.dist-info`` (METADATA and
entry_points.txt) per plugin next to the plugins' source folders, so nothing is installed
for real. "None" runs the same interpreter with ``VAULTCRM_LOAD_PLUGINS`` naming no plugin:
the entry points are still read (as on a machine with no plugin installed), nothing is
imported. Runs alternate between the two so that a busy machine slows both alike.
Target: with plugins ≤ 1.2 × none (median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = {"birthdays": "vaultcrm-birthdays", "mastodon": "vaultcrm-mastodon", "pipeline": "vaultcrm-pipeline"}


def fake_site(folder: Path) -> list[str]:
    """dist-info folders for the three plugins; returns the PYTHONPATH entries."""
    for ep_name, dist in PLUGINS.items():
        module = dist.replace("-", "_")
        info = folder / f"{module}-0.1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[vaultcrm]\n{ep_name} = {module}\n", encoding="utf-8")
    return [str(folder), *(str(ROOT / "plugins" / dist) for dist in PLUGINS.values())]


def once(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vaultcrm", "--help"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    base = {k: v for k, v in os.environ.items() if k not in ("VAULTCRM_LOAD_PLUGINS", "PYTHONPATH", "VAULTCRM_VAULT")}
    base["VAULTCRM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="vaultcrm-bench-config-")
    installed = {ep.name for ep in entry_points(group="vaultcrm")}
    with tempfile.TemporaryDirectory(prefix="vaultcrm-bench-") as tmp:
        cwd = Path(tmp)  # no vault here: no vault plugins, no index
        none_env = dict(base, VAULTCRM_LOAD_PLUGINS="__no_such_plugin__")
        with_env = dict(base)
        if set(PLUGINS) <= installed:
            how = "installed in this environment"
        else:
            with_env["PYTHONPATH"] = os.pathsep.join(fake_site(cwd / "site"))
            none_env["PYTHONPATH"] = with_env["PYTHONPATH"]  # same sys.path, same metadata scan
            how = "temporary dist-info entry points on PYTHONPATH"
        os.chdir(cwd)
        check = subprocess.run(
            [sys.executable, "-m", "vaultcrm", "--help"], env=with_env, capture_output=True, text=True, check=True
        )
        missing = [c for c in ("birthdays-ics", "mastodon") if c not in check.stdout]
        if missing or check.stderr.strip():
            sys.exit(f"the plugins did not load as expected: missing {missing}; stderr: {check.stderr.strip()}")
        once(none_env), once(with_env)  # warm the file cache
        none: list[float] = []
        with_: list[float] = []
        for _ in range(args.runs):
            none.append(once(none_env))
            with_.append(once(with_env))
    m_none, m_with = statistics.median(none), statistics.median(with_)
    print(f"vaultcrm --help, {args.runs} runs each ({how}); python {sys.version.split()[0]}")
    print(f"  no plugins:        median {m_none * 1000:7.1f} ms   min {min(none) * 1000:7.1f} ms")
    print(f"  3 example plugins: median {m_with * 1000:7.1f} ms   min {min(with_) * 1000:7.1f} ms")
    ratio = m_with / m_none
    verdict = "OK" if ratio <= 1.2 else "OVER the 1.2x target"
    print(f"  ratio (median):    {ratio:.2f}x   (min: {min(with_) / min(none):.2f}x)   target <= 1.20x: {verdict}")


if __name__ == "__main__":
    main()

"""Smoke test of the Dagster UI: dagster-webserver and dagster-daemon started the way `make dev`
starts them (the code location from [tool.dagster] in pyproject.toml, the instance from
dagster.yaml), on a free loopback port, with a temporary DAGSTER_HOME and demo settings (no
secret key); the asset graph, the schedules, the sensor and the daemon heartbeats read through
the GraphQL API the UI itself uses; both processes stopped cleanly. And the definitions check of
`make check-defs` (`dg check defs`), so a plain `pytest` in CI covers it too."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from kim.settings import PROJECT_ROOT
from pipelines.definitions import defs as load_definitions

BIN = Path(sys.executable).parent  # the venv's console scripts
LOCATION = "kim_monitor"  # code_location_name in [tool.dagster]
GROUPS = {"raw", "staging", "marts", "reports"}
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
# Loopback requests must not go through an HTTP(S)_PROXY of the CI machine.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- processes -------------------------------------------------------------------------------


@dataclass
class Service:
    """A Dagster process started in its own process group (session), with its output in a log."""

    name: str
    proc: subprocess.Popen
    log: Path

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], log: Path) -> Service:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                args,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name, proc, log)

    def output(self) -> str:
        return ANSI.sub("", self.log.read_text(encoding="utf-8", errors="replace"))

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def group_members(self) -> list[int]:
        """Live processes of the group: the service and whatever it started (code servers)."""
        pgid = self.proc.pid
        proc_dir = Path("/proc")
        if not proc_dir.is_dir():  # not Linux: only whether any process of the group exists
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return []
            return [pgid]
        members = []
        for stat in proc_dir.glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:  # the process ended meanwhile
                continue
            state, _ppid, pgrp = text[text.rfind(")") + 2 :].split()[:3]
            # (a zombie is dead: it only waits for its new parent, possibly a PID 1 that never reaps)
            if int(pgrp) == pgid and state != "Z":
                members.append(int(stat.parent.name))
        return members

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signum)


def stop(services: list[Service]) -> dict[str, str]:
    """SIGTERM to every group at once, then SIGKILL to what is left after STOP_TIMEOUT.
    Returns the problems: a service that did not exit by itself, or left processes behind."""
    for service in services:
        service.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    problems = {}
    for service in services:
        try:
            service.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            problems[service.name] = f"still running {STOP_TIMEOUT:.0f} s after SIGTERM"
    while any(s.group_members() for s in services) and time.monotonic() < deadline:
        time.sleep(0.1)
    for service in services:
        leftovers = service.group_members()
        if leftovers:
            problems.setdefault(service.name, f"left processes {leftovers} behind")
            service.signal_group(signal.SIGKILL)
        if service.proc.poll() is None:
            service.proc.wait(timeout=10)
    return problems


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- GraphQL ---------------------------------------------------------------------------------


def graphql(url: str, query: str, **variables: object) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with HTTP.open(request, timeout=30) as response:
        body = json.load(response)
    assert not body.get("errors"), f"GraphQL errors: {body['errors']}"
    return body["data"]


WORKSPACE = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message stack
        errorChain { error { message stack } } } } } } } }
"""

REPOSITORIES = """
{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name } assetGroups { groupName } jobs { name } } } } }
"""

ASSET_NODES = """
{ assetNodes { assetKey { path } groupName description isPartitioned
    dependencyKeys { path } jobNames
    partitionDefinition { type name fmt description dimensionTypes { name type } } } }
"""

SCHEDULES = """
query ($selector: RepositorySelector!) { schedulesOrError(repositorySelector: $selector) {
  __typename ... on PythonError { message }
  ... on Schedules { results { name cronSchedule executionTimezone pipelineName description
      defaultStatus scheduleState { status } futureTicks(limit: 2) { results { timestamp } } } } } }
"""

SENSORS = """
query ($selector: RepositorySelector!) { sensorsOrError(repositorySelector: $selector) {
  __typename ... on PythonError { message }
  ... on Sensors { results { name description minIntervalSeconds defaultStatus sensorType
      sensorState { status } targets { pipelineName } } } } }
"""

DAEMON_HEALTH = """
{ instance { daemonHealth { allDaemonStatuses { daemonType required healthy lastHeartbeatTime
    lastHeartbeatErrors { message } } } } }
"""


class ServerExited(Exception):
    pass


def wait_until_loaded(server: Service, url: str) -> None:
    """Until the webserver serves on this port (its own log says so: no other server answering
    on a port taken meanwhile) and the code location is loaded."""
    serving = f"Serving dagster-webserver on {url} in process {server.proc.pid}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise ServerExited(f"exit code {server.proc.returncode}")
        if serving in server.output():
            try:
                workspace = graphql(url, WORKSPACE)["workspaceOrError"]
            except (urllib.error.URLError, OSError):
                pass
            else:
                entries = workspace.get("locationEntries") or []
                for entry in entries:
                    error = entry["locationOrLoadError"]
                    if error and error["__typename"] == "PythonError":
                        chain = [error] + [link["error"] for link in error["errorChain"]]
                        details = "\n".join(e["message"] + "".join(e["stack"]) for e in chain)
                        pytest.fail(f"code location {entry['name']} failed to load:\n{details}")
                if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                    return
        time.sleep(0.25)
    pytest.fail(
        f"dagster-webserver did not load the code location within {STARTUP_TIMEOUT:.0f} s; its output:\n{server.tail()}"
    )


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dagster_env(tmp_path_factory, config) -> dict[str, str]:
    """The environment of `make dev` with everything in a temporary folder: DAGSTER_HOME with the
    project's dagster.yaml, run storage in KIM_DAGSTER_DIR, demo mode instead of a key."""
    root = tmp_path_factory.mktemp("dagster_ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIM_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        KIM_DAGSTER_DIR=str(root / "dagster"),
        KIM_DEMO_MODE="1",
        KIM_CONFIG=str(config.path),
        KIM_LANDING_DIR=str(root / "landing"),
        KIM_WAREHOUSE=str(root / "warehouse.duckdb"),
        KIM_REPORTS_DIR=str(root / "reports"),
        KIM_INTERNAL_REPORTS_DIR=str(root / "internal-reports"),
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class DagsterUI:
    url: str
    webserver: Service
    daemon: Service


@pytest.fixture(scope="module")
def dagster_ui(dagster_env, tmp_path_factory) -> Iterator[DagsterUI]:
    """dagster-daemon and dagster-webserver (with no target: the code location of pyproject.toml,
    as `dagster dev` loads it), stopped and checked for leftover processes afterwards."""
    logs = tmp_path_factory.mktemp("dagster_ui_logs")
    # Create the instance's storage first, as `dagster dev` does: started together on a fresh
    # instance, the daemon and the webserver's code server would both create the SQLite schedule
    # storage, and one of them fails on the other's half-written alembic version table.
    with pytest.MonkeyPatch.context() as env:
        for name in ("DAGSTER_HOME", "KIM_DAGSTER_DIR"):
            env.setenv(name, dagster_env[name])
        with dg.DagsterInstance.from_config(dagster_env["DAGSTER_HOME"]):
            pass
    daemon = Service.start("dagster-daemon", [str(BIN / "dagster-daemon"), "run"], dagster_env, logs / "daemon.log")
    services = [daemon]
    try:
        for attempt in range(3):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            webserver = Service.start(
                "dagster-webserver",
                [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)],
                dagster_env,
                logs / f"webserver-{attempt}.log",
            )
            services.append(webserver)
            try:
                wait_until_loaded(webserver, url)
                break
            except ServerExited as exited:
                # another process may have taken the free port before the webserver bound it
                if "address already in use" in webserver.output().lower() and attempt < 2:
                    continue
                pytest.fail(f"dagster-webserver exited while starting ({exited}); its output:\n{webserver.tail()}")
        yield DagsterUI(url, webserver, daemon)
    finally:
        problems = stop(services)
    assert not problems, "\n".join(
        f"{s.name}: {problems[s.name]}; its output:\n{s.tail()}" for s in services if s.name in problems
    )
    for service in (webserver, daemon):
        # a clean exit on SIGTERM: 0, or the signal itself when the process does not catch it
        assert service.proc.returncode in (0, -signal.SIGTERM), (
            f"{service.name} exited with {service.proc.returncode}; its output:\n{service.tail()}"
        )


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return load_definitions()


# --- tests -----------------------------------------------------------------------------------


def test_dg_check_defs_loads_the_definitions(dagster_env):
    """`make check-defs`: the component YAML and the definitions, loaded with a Dagster instance
    (`dg check defs` supersedes `dagster definitions validate`, which now warns so). First in
    the file, so that it does not compete with the servers of the next test for the CPU."""
    result = subprocess.run(
        [str(BIN / "dg"), "check", "defs"],
        cwd=PROJECT_ROOT,
        env=dagster_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, output
    assert "All definitions loaded successfully." in output


# One test for everything the server answers: with `pytest -n 2` (xdist's default --dist load),
# several tests of this module could go to both workers, and each would start its own servers.
def test_the_ui_shows_the_asset_graph_schedules_sensor_and_healthy_daemons(dagster_ui, definitions):
    url = dagster_ui.url
    with HTTP.open(f"{url}/server_info", timeout=10) as response:
        assert json.load(response)["dagster_version"] == dg.__version__
    # the UI's page (with the instance settings of the copied dagster.yaml) and its scripts
    with HTTP.open(url, timeout=10) as response:
        page = response.read().decode()
    assert ">Dagster</title>" in page and '"telemetryEnabled": false' in page
    scripts = re.findall(r'<script src="(/_next/static/[^"]+\.js)"', page)
    assert scripts
    with HTTP.open(url + scripts[0], timeout=10) as response:
        assert response.status == 200 and response.read()

    repositories = graphql(url, REPOSITORIES)["repositoriesOrError"]["nodes"]
    assert [(r["location"]["name"], r["name"]) for r in repositories] == [(LOCATION, "__repository__")]
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
    assert {j["name"] for j in repositories[0]["jobs"]} >= {"load_delivery", "kim_full_run"}

    check_asset_graph(graphql(url, ASSET_NODES)["assetNodes"], repositories[0], definitions)
    check_schedules(graphql(url, SCHEDULES, selector=selector)["schedulesOrError"], definitions)
    check_sensors(graphql(url, SENSORS, selector=selector)["sensorsOrError"], definitions)
    check_daemons(dagster_ui)


def check_asset_graph(nodes: list[dict], repository: dict, definitions: dg.Definitions) -> None:
    assets = {"/".join(node["assetKey"]["path"]): node for node in nodes}
    assert set(assets) == {key.to_user_string() for key in definitions.resolve_all_asset_keys()}
    groups = {g["groupName"] for g in repository["assetGroups"]}
    assert groups >= GROUPS and "default" not in groups, groups
    for key, node in assets.items():
        # every key is prefixed with its group, and every asset says what it is
        assert node["groupName"] == node["assetKey"]["path"][0], key
        assert (node["description"] or "").strip(), f"{key} has no description"
    named = {
        "marts/indicator_values",
        "marts/indicator_values_yearly",
        "marts/indicator_revisions",
        "reports/monthly_monitoring",
        "reports/provider_feedback",
        "reports/annual_evaluation",
        "reports/index",
    }
    assert named | {"raw/deliveries"} <= set(assets)
    # the graph the UI draws: each of them downstream of the deliveries
    upstream = {key: {"/".join(d["path"]) for d in node["dependencyKeys"]} for key, node in assets.items()}
    downstream, frontier = set(), {"raw/deliveries"}
    while frontier:
        frontier = {key for key, deps in upstream.items() if deps & frontier} - downstream
        downstream |= frontier
    assert named <= downstream, named - downstream

    monthly = assets["marts/indicator_values"]
    assert monthly["isPartitioned"]
    assert monthly["partitionDefinition"]["type"] == "TIME_WINDOW"
    assert monthly["partitionDefinition"]["fmt"] == "%Y-%m"
    assert monthly["partitionDefinition"]["description"].startswith("Monthly")
    # one dynamic partition per delivery, <provider>/<YYYY-MM>, added by the landing sensor
    deliveries = assets["raw/deliveries"]["partitionDefinition"]
    assert (deliveries["type"], deliveries["name"]) == ("DYNAMIC", "deliveries")
    assert "load_delivery" in assets["raw/deliveries"]["jobNames"]
    assert "kim_full_run" in assets["reports/index"]["jobNames"]
    index_inputs = {"/".join(d["path"]) for d in assets["reports/index"]["dependencyKeys"]}
    assert {"reports/monthly_monitoring", "reports/provider_feedback", "reports/annual_evaluation"} <= index_inputs


def check_schedules(result: dict, definitions: dg.Definitions) -> None:
    assert result["__typename"] == "Schedules", result
    schedules = {s["name"]: s for s in result["results"]}
    assert set(schedules) == {s.name for s in definitions.schedules or []}
    monthly = schedules["monthly_report_run"]
    assert monthly["cronSchedule"] == "0 6 11 * *"
    assert monthly["executionTimezone"] == "Europe/Berlin"
    assert monthly["pipelineName"] == "kim_full_run"
    assert monthly["description"]
    # the next ticks the UI shows: the 11th at 06:00 Berlin time, a month apart
    berlin = ZoneInfo("Europe/Berlin")
    ticks = [datetime.fromtimestamp(t["timestamp"], berlin) for t in monthly["futureTicks"]["results"]]
    assert len(ticks) == 2
    assert all((t.day, t.hour, t.minute) == (11, 6, 0) for t in ticks), ticks
    assert (ticks[1].year * 12 + ticks[1].month) - (ticks[0].year * 12 + ticks[0].month) == 1
    # a fresh instance: every schedule as its definition says (the monthly run is switched on by hand)
    assert all(s["scheduleState"]["status"] == s["defaultStatus"] for s in schedules.values())
    assert monthly["defaultStatus"] == "STOPPED"


def check_sensors(result: dict, definitions: dg.Definitions) -> None:
    assert result["__typename"] == "Sensors", result
    sensors = {s["name"]: s for s in result["results"]}
    assert set(sensors) == {s.name for s in definitions.sensors or []}
    assert set(sensors) == {"landing_sensor", "update_after_deliveries"}
    landing = sensors["landing_sensor"]
    assert landing["sensorType"] == "STANDARD"
    assert [t["pipelineName"] for t in landing["targets"]] == ["load_delivery"]
    assert landing["minIntervalSeconds"] == 60
    assert "KIM_LANDING_DIR" in landing["description"]
    update = sensors["update_after_deliveries"]
    assert [t["pipelineName"] for t in update["targets"]] == ["kim_full_run"]
    assert "load_delivery" in update["description"] and "months" in update["description"]
    # both are switched on by hand (docs/operations.md)
    assert all(s["defaultStatus"] == "STOPPED" and s["sensorState"]["status"] == "STOPPED" for s in sensors.values())


def check_daemons(ui: DagsterUI) -> None:
    """The scheduler and the sensor daemon report heartbeats to the instance the UI reads (the
    UI warns about them otherwise); the first heartbeat can take a few seconds."""
    deadline = time.monotonic() + 60
    while True:
        assert ui.daemon.proc.poll() is None, f"dagster-daemon exited; its output:\n{ui.daemon.tail()}"
        statuses = {
            s["daemonType"]: s for s in graphql(ui.url, DAEMON_HEALTH)["instance"]["daemonHealth"]["allDaemonStatuses"]
        }
        unhealthy = sorted(t for t, s in statuses.items() if s["required"] and not s["healthy"])
        if {"SCHEDULER", "SENSOR"} <= set(statuses) and not unhealthy:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"daemons without a heartbeat: {unhealthy}; {statuses}\ndaemon output:\n{ui.daemon.tail()}")
        time.sleep(0.5)

"""``leadflow simulate``: simulated agents working leads through the real REST API.

Each agent is a thread with its own HTTP client and its own seeded ``SimulatedDialer``.
It acts exactly as a PBX integration would, with a tenant API key acting for the agent
(``agent_id`` in the body, like the next-lead bench): go Online, ask for the next lead,
start the call, report what the line did, wait the (compressed) talk and wrap time,
submit feedback with a status the server offered, again until the time is up. A call in
progress when the time runs out is finished, so no lease is left behind.

Talk and wrap time are simulated seconds divided by ``speed`` (60: a simulated minute
per real second); leases and feedback timeouts run on real time on the server.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from django.contrib.auth.models import User

from leadflow.campaigns.models import Campaign
from leadflow.dialing.models import DialResult
from leadflow.dialing.telephony import (
    CallSpec,
    EventKind,
    SimulatedDialer,
    SimulationProfile,
)
from leadflow.ops.demo import DEMO_TENANT_NAME
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import api_key_create, api_key_revoke, user_create

Log = Callable[[str], None]
IDLE_SECONDS = 1.0  # real seconds an agent waits after an empty or refused next-lead


@dataclass
class Tally:
    """One agent's counts (merged after the run: no lock on the hot path)."""

    claims: int = 0
    calls: int = 0
    dial_results: Counter[str] = field(default_factory=Counter)
    feedback_ok: int = 0
    feedback_rejected: int = 0  # 422: the form did not satisfy the status
    conflicts: int = 0  # 409 on any step
    errors: int = 0  # anything else: 5xx, 4xx other than 409/422, transport errors
    empty: int = 0  # next-lead answered without a lead

    def merge(self, other: Tally) -> None:
        for name in ("claims", "calls", "feedback_ok", "feedback_rejected", "conflicts",
                     "errors", "empty"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dial_results.update(other.dial_results)


@dataclass(frozen=True)
class Setup:
    tenant: Tenant
    agent_ids: list[int]
    api_key: str
    created_key_id: int | None  # revoked after the run when the simulator made it


def _tenant(campaign_id: int | None) -> Tenant:
    if campaign_id is not None:
        campaign = Campaign.objects.select_related("tenant").filter(id=campaign_id).first()
        if campaign is None:
            raise ValueError(f"Campaign {campaign_id} not found.")
        return campaign.tenant
    tenant = Tenant.objects.filter(name=DEMO_TENANT_NAME).first()
    if tenant is None:
        tenants = list(Tenant.objects.all()[:2])
        if len(tenants) != 1:
            raise ValueError("No demo tenant: name a campaign with --campaign.")
        tenant = tenants[0]
    return tenant


def _campaign_agent_ids(tenant: Tenant, campaign_id: int) -> list[int] | None:
    """The campaign's Users List when routing is set up (desks exist), else None: then
    every agent of the tenant gets every active campaign's leads."""
    from leadflow.routing.models import Desk
    from leadflow.routing.selectors import campaign_users

    if not Desk.objects.filter(tenant=tenant).exists():
        return None
    return sorted({row.user.pk for row in campaign_users(tenant=tenant, campaign_id=campaign_id)})


def simulation_setup(*, agents: int, campaign_id: int | None = None, api_key: str | None = None,
                     log: Log = lambda message: None) -> Setup:
    """The tenant (the campaign's, else the demo's), ``agents`` agent ids and a key.

    Missing agents are created (``sim<tenant>_agent<n>``, random password) so any
    ``--agents`` works against the demo's ten. With a campaign under routing, only the
    agents of its Users List are used: new users would have no desk."""
    tenant = _tenant(campaign_id)
    members = list(User.objects.filter(memberships__tenant=tenant,
                                       memberships__role=Role.AGENT)
                   .order_by("id").values_list("id", flat=True))
    allowed = _campaign_agent_ids(tenant, campaign_id) if campaign_id is not None else None
    if allowed is not None:
        members = [m for m in members if m in allowed]
        if not members:
            raise ValueError(f"Campaign {campaign_id}'s Users List names no agent.")
    elif len(members) < agents:
        missing = agents - len(members)
        for n in range(len(members) + 1, agents + 1):
            user = user_create(tenant=tenant, username=f"sim{tenant.id}_agent{n}",
                               password=secrets.token_urlsafe(16), role=Role.AGENT).user
            members.append(user.pk)
        log(f"created {missing} simulated agents (sim{tenant.id}_agent…)")
    if len(members) < agents:
        log(f"only {len(members)} agents available; simulating those")
    created_key_id = None
    if api_key is None:
        key, api_key = api_key_create(
            tenant=tenant, name=f"leadflow simulate {secrets.token_hex(3)}", created_by=None)
        created_key_id = key.id
    return Setup(tenant=tenant, agent_ids=members[:agents], api_key=api_key,
                 created_key_id=created_key_id)


def simulation_teardown(setup: Setup) -> None:
    if setup.created_key_id is not None:
        api_key_revoke(tenant=setup.tenant, api_key_id=setup.created_key_id)


_RESULT_STATUS_NAMES = {DialResult.NO_ANSWER: "no answer", DialResult.BUSY: "busy",
                        DialResult.VOICEMAIL: "voicemail", DialResult.FAILED: "wrong number"}


def choose_statuses(allowed: list[dict[str, Any]], result: str | None,
                    rng: random.Random) -> list[dict[str, Any]]:
    """Statuses to try, best first: the one named after the line outcome when offered,
    else a weighted draw (Do Not Call rare: it blacklists the number)."""
    if not allowed:
        return []
    wanted = _RESULT_STATUS_NAMES.get(DialResult(result)) if result else None
    named = [s for s in allowed if wanted and s["name"].strip().lower() == wanted]
    weights = [0.1 if "do not call" in s["name"].lower() else 1.0 for s in allowed]
    drawn = rng.choices(allowed, weights=weights)[0]
    rest = [s for s in allowed if s is not drawn and s not in named]
    rng.shuffle(rest)
    return named + [drawn] + rest if drawn not in named else named + rest


def call_after_for(status: dict[str, Any], now: datetime, rng: random.Random) -> str | None:
    """A callback time inside the status's Max Call After Days (0 = no limit)."""
    if not status.get("allow_call_after"):
        return None
    days = status.get("max_call_after_days") or 2
    hours = rng.uniform(1.0, max(1.0, min(days, 2) * 24.0 - 1.0))
    return (now + timedelta(hours=hours)).isoformat()


@dataclass
class Agent:
    """One simulated agent's loop against the API."""

    agent_id: int
    client: httpx.Client
    dialer: SimulatedDialer
    rng: random.Random
    speed: float
    sleep: Callable[[float], None]
    tally: Tally = field(default_factory=Tally)

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response | None:
        try:
            response = self.client.post(path, json={"agent_id": self.agent_id, **body})
        except httpx.HTTPError:
            self.tally.errors += 1
            return None
        if response.status_code == 409:
            self.tally.conflicts += 1
        elif response.status_code >= 400 and response.status_code != 422:
            self.tally.errors += 1
        return response

    def go_online(self) -> bool:
        response = self._post("/api/agent/state", {"state": "online"})
        return response is not None and response.status_code == 200

    def work_once(self) -> None:
        """Next lead → call → line outcome → wrap → feedback. Waits IDLE when no lead."""
        response = self._post("/api/agent/next-lead", {})
        if response is None or response.status_code != 200:
            self.sleep(IDLE_SECONDS)
            return
        offer = response.json()
        if offer["lead"] is None:
            self.tally.empty += 1
            self.sleep(IDLE_SECONDS)
            return
        self.tally.claims += 1
        lead, token = offer["lead"], offer["lease_token"]
        response = self._post("/api/agent/calls", {"lead_id": lead["id"], "lease_token": token})
        if response is None or response.status_code != 201:
            return  # the lease runs out on the server
        self.tally.calls += 1
        call_id = response.json()["id"]
        result = self._dial(call_id, lead)
        self.sleep(self.dialer.profile.wrap_seconds / self.speed)
        self._feedback(call_id, token, offer["statuses_allowed"], result)

    def _dial(self, call_id: int, lead: dict[str, Any]) -> str | None:
        handle = self.dialer.originate(CallSpec(number=lead["phone"], lead_id=lead["id"],
                                                call_id=call_id))
        reported: str | None = None
        try:
            for event in self.dialer.events(handle):
                self.sleep(event.after_seconds / self.speed)
                if event.kind == EventKind.ANSWERED:
                    # Answered now, ended later: the server records both moments.
                    self._post(f"/api/agent/calls/{call_id}/result",
                               {"dial_result": DialResult.ANSWERED.value, "ended": False})
                elif event.kind == EventKind.ENDED and event.dial_result is not None:
                    response = self._post(f"/api/agent/calls/{call_id}/result",
                                          {"dial_result": event.dial_result.value,
                                           "ended": True})
                    if response is not None and response.status_code == 200:
                        reported = event.dial_result.value
                        self.tally.dial_results[reported] += 1
        finally:
            self.dialer.hang_up(handle)
        return reported

    def _feedback(self, call_id: int, token: str, allowed: list[dict[str, Any]],
                  result: str | None) -> None:
        for status in choose_statuses(allowed, result, self.rng)[:3]:
            body: dict[str, Any] = {"lease_token": token, "status_id": status["id"],
                                    "comment": f"Simulated call: {result or 'no result'}"}
            call_after = call_after_for(status, datetime.now(UTC), self.rng)
            if call_after is not None:
                body["call_after"] = call_after
            response = self._post(f"/api/agent/calls/{call_id}/feedback", body)
            if response is None or response.status_code == 409:
                return
            if response.status_code == 200:
                self.tally.feedback_ok += 1
                return
            if response.status_code == 422:
                # The status has required fields the next-lead answer does not describe:
                # try the next one, as an agent corrects the form.
                self.tally.feedback_rejected += 1
                continue
            return


def run_agents(*, url: str, api_key: str, agent_ids: list[int], seconds: float | None,
               speed: float = 60.0, seed: int = 1,
               profile: SimulationProfile | None = None, stop: threading.Event | None = None,
               sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic, threads_timeout: float = 600.0
               ) -> dict[str, Any]:
    """Run one thread per agent until ``seconds`` pass (None: until ``stop`` is set);
    return the summary. Deterministic dialers: agent i's is seeded ``seed * 100_003 + i``."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    # httpx logs every request at INFO: thousands of lines that bury the summary.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop = stop or threading.Event()
    profile = profile or SimulationProfile()
    started = clock()
    deadline = None if seconds is None else started + seconds
    agents: list[Agent] = []

    def body(agent: Agent) -> None:
        with agent.client:
            if not agent.go_online():
                return
            while not stop.is_set() and (deadline is None or clock() < deadline):
                agent.work_once()

    for index, agent_id in enumerate(agent_ids):
        agent_seed = seed * 100_003 + index
        agents.append(Agent(
            agent_id=agent_id, speed=speed, sleep=sleep,
            rng=random.Random(f"feedback-{agent_seed}"),
            client=httpx.Client(base_url=url, headers={"X-API-Key": api_key}, timeout=60),
            dialer=SimulatedDialer.seeded(agent_seed, profile)))
    pool = [threading.Thread(target=body, args=(a,), name=f"sim-agent-{a.agent_id}")
            for a in agents]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=None if seconds is None else seconds + threads_timeout)
    elapsed = clock() - started
    total = Tally()
    for agent in agents:
        total.merge(agent.tally)
    return {
        "agents": len(agents), "seconds": round(elapsed, 2), "speed": speed, "seed": seed,
        "claims": total.claims, "calls": total.calls,
        "dial_results": {r.value: total.dial_results.get(r.value, 0) for r in DialResult},
        "feedback_ok": total.feedback_ok, "feedback_rejected": total.feedback_rejected,
        "conflicts": total.conflicts, "errors": total.errors, "empty": total.empty,
        "claims_per_s": round(total.claims / elapsed, 2) if elapsed > 0 else 0.0,
    }


@contextmanager
def _server(url: str | None, threads: int) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    from leadflow.ops.serve import serve_in_thread

    with serve_in_thread(threads=threads) as local:
        yield local


def simulate(*, agents: int, minutes: float | None, url: str | None = None,
             api_key: str | None = None, campaign_id: int | None = None, speed: float = 60.0,
             seed: int = 1, stop: threading.Event | None = None,
             log: Log = lambda message: None) -> dict[str, Any]:
    """Set up (tenant, agents, key), serve in-process unless ``url``, run, summarise."""
    setup = simulation_setup(agents=agents, campaign_id=campaign_id, api_key=api_key, log=log)
    try:
        # SQLite takes one writer at a time: more server threads would only queue.
        with _server(url, threads=max(4, min(len(setup.agent_ids), 16))) as base:
            log(f"{len(setup.agent_ids)} agents of “{setup.tenant.name}” on {base} for "
                f"{'ever' if minutes is None else f'{minutes:g} min'} at speed {speed:g}")
            summary = run_agents(url=base, api_key=setup.api_key, agent_ids=setup.agent_ids,
                                 seconds=None if minutes is None else minutes * 60,
                                 speed=speed, seed=seed, stop=stop)
    finally:
        simulation_teardown(setup)
    return {"tenant": setup.tenant.name, "url": url or "in-process", **summary}

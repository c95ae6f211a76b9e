#!/usr/bin/env python3
"""GNU Health peer of the Relais "FHIR mix" benchmark (JSON-RPC client).

Standard library only. Talks Tryton JSON-RPC to a trytond running the GNU
Health `health` module, as the admin user, and measures five operations:

  create_person       party.party create (person + patient, name, given name,
                      gender, birth date, unique PUID `ref`)  ~ POST /fhir/Patient
  create_evaluation   gnuhealth.patient.evaluation create with vital signs
                                                      ~ POST /fhir/Observation
  name_prefix_search  patients whose family name ilike 'PRE%' (20 rows)
                                                      ~ GET /fhir/Patient?family=pre
  identifier_search   patient whose PUID (party.ref) = value
                                          ~ GET /fhir/Patient?identifier=sys|value
  read_record         read the patient + search_read its evaluations (50 rows)
                      ~ GET /fhir/Patient/{id} + GET /fhir/Observation?patient={id}

First `--persons N` persons are created as the data set (timed separately).
GNU Health 5.0's party.party.create cannot take more than one record per call
(see README, "Pitfalls"), so the data set is created with one call per person,
spread over `--setup-threads` threads. Then the measured phase runs each
operation `--ops-per-kind` times (shuffled, across `--threads` threads), or a
random mix for `--seconds`.
"""

import argparse
import base64
import datetime
import http.client
import itertools
import json
import os
import random
import sys
import threading
import time

KINDS = (
    "create_person",
    "create_evaluation",
    "name_prefix_search",
    "identifier_search",
    "read_record",
)

FAMILY_NAMES = (
    "DUPONT", "DUPUIS", "DUPRE", "DURAND", "DUBOIS", "MARTIN", "BERNARD",
    "THOMAS", "PETIT", "ROBERT", "RICHARD", "MOREAU", "LAURENT", "SIMON",
    "MICHEL", "LEFEVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "LAMBERT", "FONTAINE", "ROUSSEAU",
    "VINCENT", "MULLER", "LEFEBVRE", "FAURE", "ANDRE", "MERCIER", "BLANC",
    "GUERIN", "BOYER", "GARNIER", "CHEVALIER", "FRANCOIS", "LEGRAND",
    "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLEMENT", "MORIN", "NICOLAS",
    "HENRY", "ROUSSEL", "MATHIEU",
)
GIVEN_NAMES = (
    "Camille", "Louise", "Jeanne", "Alice", "Chloe", "Emma", "Lea", "Manon",
    "Eloise", "Marie", "Lucas", "Louis", "Hugo", "Jules", "Arthur", "Paul",
    "Gabriel", "Leo", "Adam", "Nathan",
)
PREFIXES = sorted({n[:3] for n in FAMILY_NAMES})

PATIENT_FIELDS = [
    "party", "party.name", "party.lastname", "party.ref", "party.gender",
    "party.dob",
]
EVALUATION_FIELDS = [
    "code", "patient", "evaluation_start", "weight", "systolic", "diastolic",
    "temperature", "bpm",
]
NAME_SEARCH_LIMIT = 20  # Relais FHIR Patient search default _count
EVAL_LIMIT = 50         # Relais FHIR Observation search default _count


# --------------------------------------------------------------------- JSON-RPC

def rpc_date(d):
    return {"__class__": "date", "year": d.year, "month": d.month, "day": d.day}


def rpc_datetime(t):
    return {"__class__": "datetime", "year": t.year, "month": t.month,
            "day": t.day, "hour": t.hour, "minute": t.minute,
            "second": t.second, "microsecond": t.microsecond}


class RpcError(Exception):
    pass


class Client:
    """One keep-alive HTTP connection + one Tryton session (one per thread)."""

    def __init__(self, host, port, db, timeout=120.0):
        self.host, self.port, self.db, self.timeout = host, port, db, timeout
        self.path = "/%s/" % db if db else "/"
        self.conn = None
        self.auth = None
        self.context = {}
        self.uid = None
        self._ids = itertools.count(1)

    def _connect(self):
        self.close()
        self.conn = http.client.HTTPConnection(self.host, self.port,
                                               timeout=self.timeout)

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None

    def _post(self, path, body, headers):
        if self.conn is None:
            self._connect()
        self.conn.request("POST", path, body=body, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def call(self, method, *params, path=None):
        """Call `method`; `path` "/" for server-level methods (common.*)."""
        path = path or self.path
        body = json.dumps({"id": next(self._ids), "method": method,
                           "params": list(params)}).encode()
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        try:
            status, data = self._post(path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError,
                BrokenPipeError, http.client.CannotSendRequest):
            # Server dropped an idle keep-alive connection: reconnect once.
            self._connect()
            status, data = self._post(path, body, headers)
        try:
            payload = json.loads(data)
        except ValueError:
            raise RpcError("HTTP %d: %s" % (status, data[:200]))
        if payload.get("error"):
            raise RpcError(json.dumps(payload["error"])[:400])
        if status != 200:
            raise RpcError("HTTP %d: %s" % (status, data[:200]))
        return payload.get("result")

    def model(self, model, method, *args):
        """model.<model>.<method>(*args, context)"""
        return self.call("model.%s.%s" % (model, method), *args, self.context)

    def login(self, user, password):
        uid, session = self.call("common.db.login", user,
                                 {"password": password}, "en")
        self.uid = uid
        token = "%s:%s:%s" % (user, uid, session)
        self.auth = "Session " + base64.b64encode(token.encode()).decode()
        self.context = self.call("model.res.user.get_preferences", True, {})
        return uid


# --------------------------------------------------------------------- workload

class DataSet:
    def __init__(self, tag, rnd):
        self.tag = tag              # 6 digits, makes refs unique per run
        self.rnd = rnd
        self.counter = itertools.count(0)
        self.lock = threading.Lock()
        self.refs = []              # refs of the data set persons
        self.patient_ids = []       # gnuhealth.patient ids of the data set

    def next_ref(self):
        with self.lock:
            n = next(self.counter)
        return "%s%09d" % (self.tag, n)   # 15 digits, INS/NIR-like

    def person_values(self, ref, rnd):
        family = rnd.choice(FAMILY_NAMES)
        dob = datetime.date(1930, 1, 1) + datetime.timedelta(
            days=rnd.randrange(0, 90 * 365))
        return {
            "name": rnd.choice(GIVEN_NAMES),   # GNU Health: given name
            "lastname": family,                # GNU Health: family name
            "is_person": True,
            "is_patient": True,
            # Party.create only creates the gnuhealth.patient when this key is
            # present in the values (the field default is not applied there).
            "create_target": True,
            "gender": rnd.choice(("m", "f")),
            "dob": rpc_date(dob),
            "ref": ref,                        # PUID, unique constraint
            # Must be given over RPC, else Party.create reads a missing
            # 'fed_country' key; unique constraint too.
            "federation_account": "XXX" + ref,
        }


def evaluation_values(patient_id, rnd):
    return {
        "patient": patient_id,
        "evaluation_start": rpc_datetime(
            datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)),
        "weight": round(rnd.uniform(45.0, 110.0), 1),
        "systolic": rnd.randint(95, 165),
        "diastolic": rnd.randint(55, 100),
        "temperature": round(rnd.uniform(36.0, 39.0), 1),
        "bpm": rnd.randint(50, 110),
    }


def op_create_person(c, ds, rnd):
    ids = c.model("party.party", "create", [ds.person_values(ds.next_ref(), rnd)])
    if len(ids) != 1:
        raise RpcError("create returned %r" % (ids,))


def op_create_evaluation(c, ds, rnd):
    ids = c.model("gnuhealth.patient.evaluation", "create",
                  [evaluation_values(rnd.choice(ds.patient_ids), rnd)])
    if len(ids) != 1:
        raise RpcError("create returned %r" % (ids,))


def op_name_prefix_search(c, ds, rnd):
    c.model("gnuhealth.patient", "search_read",
            [["party.lastname", "ilike", rnd.choice(PREFIXES) + "%"]],
            0, NAME_SEARCH_LIMIT, None, PATIENT_FIELDS)


def op_identifier_search(c, ds, rnd):
    ref = rnd.choice(ds.refs)
    rows = c.model("gnuhealth.patient", "search_read",
                   [["party.ref", "=", ref]], 0, NAME_SEARCH_LIMIT, None,
                   PATIENT_FIELDS)
    if len(rows) != 1:
        raise RpcError("identifier %s matched %d patients" % (ref, len(rows)))


def op_read_record(c, ds, rnd):
    pid = rnd.choice(ds.patient_ids)
    rows = c.model("gnuhealth.patient", "read", [pid], PATIENT_FIELDS)
    if len(rows) != 1:
        raise RpcError("patient %s not readable" % pid)
    c.model("gnuhealth.patient.evaluation", "search_read",
            [["patient", "=", pid]], 0, EVAL_LIMIT,
            [["evaluation_start", "DESC"]], EVALUATION_FIELDS)


OPS = {
    "create_person": op_create_person,
    "create_evaluation": op_create_evaluation,
    "name_prefix_search": op_name_prefix_search,
    "identifier_search": op_identifier_search,
    "read_record": op_read_record,
}


def percentile(sorted_vals, p):
    """Nearest-rank percentile of an ascending list (None if empty)."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1,
                   int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def ensure_health_professional(c):
    """Evaluations require a health professional linked to the login user."""
    found = c.model("gnuhealth.healthprofessional", "search",
                    [["party.internal_user", "=", c.uid]], 0, 1, None)
    if found:
        return found[0]
    ref = "RELAIS-HP-%d" % c.uid
    party = c.model("party.party", "create", [{
        "name": "Relais", "lastname": "BENCHMARK", "is_person": True,
        "is_healthprof": True, "gender": "u", "internal_user": c.uid,
        "ref": ref, "federation_account": "XXX" + ref,
    }])[0]
    return c.model("gnuhealth.healthprofessional", "create",
                   [{"party": party}])[0]


def run_threads(n, target):
    errors = []

    def wrap(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def make_client(args):
    c = Client(args.host, args.port, args.db, timeout=args.timeout)
    c.login(args.user, args.password)
    return c


def bulk_create(args, ds):
    """Create the data set: one person per call (see module doc), N threads."""
    n = args.persons
    refs = [ds.next_ref() for _ in range(n)]
    ds.refs = refs
    chunks = [refs[i::args.setup_threads] for i in range(args.setup_threads)]
    done = [0]
    lock = threading.Lock()
    failures = []

    def worker(i):
        c = make_client(args)
        rnd = random.Random(args.seed * 1000 + 17 + i)
        for ref in chunks[i]:
            for attempt in range(3):
                try:
                    c.model("party.party", "create",
                            [ds.person_values(ref, rnd)])
                    break
                except (RpcError, OSError) as e:
                    if attempt == 2:
                        failures.append("%s: %s" % (ref, e))
                    else:
                        c.close()
                        time.sleep(0.2)
            with lock:
                done[0] += 1
                if done[0] % max(1, n // 10) == 0:
                    el = time.perf_counter() - t_start
                    print("  setup: %d/%d persons, %.0f s, %.1f persons/s"
                          % (done[0], n, el, done[0] / el),
                          file=sys.stderr, flush=True)
        c.close()

    t_start = time.perf_counter()
    run_threads(args.setup_threads, worker)
    if failures:
        raise SystemExit("setup: %d person creations failed, first: %s"
                         % (len(failures), failures[0]))


def fetch_patient_ids(c, ds, expected):
    ids = c.model("gnuhealth.patient", "search",
                  [["party.ref", "like", ds.tag + "%"]], 0, None, None)
    if len(ids) != expected:
        raise SystemExit("setup: expected %d patients, found %d"
                         % (expected, len(ids)))
    return ids


def bulk_evaluations(c, ds, per_person, batch, rnd):
    vals = [evaluation_values(pid, rnd)
            for pid in ds.patient_ids for _ in range(per_person)]
    for i in range(0, len(vals), batch):
        c.model("gnuhealth.patient.evaluation", "create", vals[i:i + batch])
    return len(vals)


def measured_phase(args, ds):
    results = {k: {"lat": [], "errors": 0, "samples": []} for k in KINDS}
    rlock = threading.Lock()
    deadline = [None]  # set when the measured threads start
    if args.seconds:
        tasks = None
    else:
        tasks = [k for k in KINDS for _ in range(args.ops_per_kind)]
        random.Random(args.seed).shuffle(tasks)
        task_iter = iter(tasks)
        tlock = threading.Lock()

    def next_kind(rnd):
        if tasks is None:
            return rnd.choice(KINDS) if time.monotonic() < deadline[0] else None
        with tlock:
            return next(task_iter, None)

    clients = [make_client(args) for _ in range(args.threads)]
    # Untimed warm-up: fill the server's caches for each operation.
    for k in KINDS:
        for w in range(args.warmup_per_kind):
            try:
                OPS[k](clients[w % len(clients)], ds, random.Random(w))
            except (RpcError, OSError):
                pass

    def worker(i):
        c = clients[i]
        rnd = random.Random(args.seed * 7919 + i)
        local = {k: ([], 0, []) for k in KINDS}
        while True:
            kind = next_kind(rnd)
            if kind is None:
                break
            t0 = time.perf_counter()
            try:
                OPS[kind](c, ds, rnd)
                local[kind][0].append((time.perf_counter() - t0) * 1000.0)
            except (RpcError, OSError, ValueError) as e:
                lat, errs, samples = local[kind]
                local[kind] = (lat, errs + 1, samples)
                if len(samples) < 3:
                    samples.append(str(e)[:300])
                if isinstance(e, OSError):
                    c.close()
        with rlock:
            for k, (lat, errs, samples) in local.items():
                results[k]["lat"].extend(lat)
                results[k]["errors"] += errs
                results[k]["samples"].extend(samples)
        c.close()

    if args.seconds:
        deadline[0] = time.monotonic() + args.seconds
    t0 = time.perf_counter()
    run_threads(args.threads, worker)
    wall = time.perf_counter() - t0

    ops = {}
    for k in KINDS:
        lat = sorted(results[k]["lat"])
        ok = len(lat)
        errs = results[k]["errors"]
        ops[k] = {
            "count": ok + errs,
            "errors": errs,
            "throughput_per_s": round(ok / wall, 2) if wall > 0 else None,
            "mean_ms": round(sum(lat) / ok, 2) if ok else None,
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(lat[-1] if lat else None),
        }
        if results[k]["samples"]:
            ops[k]["error_samples"] = results[k]["samples"][:3]
    return wall, ops


def _loadavg():
    """1/5/15-min load average: other work on the machine skews results."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def server_desc():
    workers = int(os.environ.get("GNUHEALTH_WORKERS", "1") or 1)
    if workers <= 1:
        return "trytond built-in server (1 process, threaded werkzeug)"
    return "gunicorn %d workers x %s threads (trytond.application)" % (
        workers, os.environ.get("GNUHEALTH_SERVER_THREADS", "4"))


def _r(v):
    return None if v is None else round(v, 2)


def print_table(out):
    print()
    print("GNU Health %s (trytond %s) - %d persons, setup %.1f s, measured "
          "phase %.1f s, %d client threads"
          % (out["version"], out["trytond_version"], out["persons"],
             out["setup_seconds"], out["measured_seconds"], out["threads"]))
    print("server: %s; load average at start %s, at end %s"
          % (out["server"], out["loadavg_at_start"], out["loadavg_at_end"]))
    head = "%-20s %7s %6s %9s %9s %9s %9s" % (
        "operation", "count", "errors", "ops/s", "p50 ms", "p95 ms", "p99 ms")
    print(head)
    print("-" * len(head))

    def f(v):
        return "-" if v is None else "%.1f" % v

    for k in KINDS:
        o = out["operations"][k]
        print("%-20s %7d %6d %9s %9s %9s %9s" % (
            k, o["count"], o["errors"], f(o["throughput_per_s"]),
            f(o["p50_ms"]), f(o["p95_ms"]), f(o["p99_ms"])))
    print()


def parse_args(argv):
    home = os.environ.get("GNUHEALTH_HOME", "/var/tmp/relais-gnuhealth")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int,
                   default=int(os.environ.get("GNUHEALTH_PORT", "8000")))
    p.add_argument("--db", default=os.environ.get("GNUHEALTH_DB",
                                                  "relais_peer_gnuhealth"))
    p.add_argument("--user", default="admin")
    p.add_argument("--password-file", default=os.path.join(home, "admin.pass"))
    p.add_argument("--persons", type=int, default=1000,
                   help="data set size, created before the measured phase")
    p.add_argument("--setup-threads", type=int, default=2,
                   help="threads for the data set creation (default 2: the "
                        "stock trytond server is one GIL-bound process, more "
                        "client threads only add contention)")
    p.add_argument("--evaluations-per-person", type=int, default=0,
                   help="evaluations added to each data set person, batched "
                        "(default 0)")
    p.add_argument("--batch", type=int, default=500,
                   help="records per create call where GNU Health allows "
                        "batching (evaluations)")
    p.add_argument("--threads", type=int, default=4)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--ops-per-kind", type=int, default=200,
                   help="run each operation K times (default 200)")
    g.add_argument("--seconds", type=float, default=None,
                   help="instead: run a random mix for S seconds")
    p.add_argument("--warmup-per-kind", type=int, default=5,
                   help="untimed calls of each operation before measuring")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--out", default=None, help="write the JSON result here")
    p.add_argument("--max-error-rate", type=float, default=0.01,
                   help="exit 3 if errors / operations exceeds this")
    a = p.parse_args(argv)
    if a.persons < 1 or a.threads < 1:
        p.error("--persons and --threads must be >= 1")
    if a.setup_threads < 1:
        p.error("--setup-threads must be >= 1")
    with open(a.password_file) as fh:
        a.password = fh.read().strip()
    return a


def main(argv=None):
    args = parse_args(argv)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_start = _loadavg()
    rnd = random.Random(args.seed)
    main_client = make_client(args)
    trytond_version = main_client.call("common.server.version", path="/")
    mods = main_client.model("ir.module", "search_read",
                             [["name", "=", "health"]], 0, 1, None,
                             ["version", "state"])
    if not mods or mods[0]["state"] != "activated":
        raise SystemExit("the health module is not activated in %s" % args.db)
    version = mods[0]["version"]
    ensure_health_professional(main_client)

    # Run tag keeps refs unique if the script is run twice on one database.
    ds = DataSet("%06d" % random.SystemRandom().randrange(100000, 1000000), rnd)

    print("GNU Health %s / trytond %s: creating %d persons with %d threads"
          % (version, trytond_version, args.persons, args.setup_threads),
          file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    bulk_create(args, ds)
    ds.patient_ids = fetch_patient_ids(main_client, ds, args.persons)
    n_eval = 0
    if args.evaluations_per_person > 0:
        n_eval = bulk_evaluations(main_client, ds, args.evaluations_per_person,
                                  args.batch, rnd)
    setup_seconds = time.perf_counter() - t0
    print("setup done in %.1f s (%.1f persons/s)"
          % (setup_seconds, args.persons / setup_seconds),
          file=sys.stderr, flush=True)

    mode = ("%.0f seconds" % args.seconds if args.seconds
            else "%d ops per kind" % args.ops_per_kind)
    print("measured phase: %s, %d threads" % (mode, args.threads),
          file=sys.stderr, flush=True)
    wall, ops = measured_phase(args, ds)
    main_client.close()

    total = sum(o["count"] for o in ops.values())
    errors = sum(o["errors"] for o in ops.values())
    out = {
        "peer": "gnuhealth",
        "version": version,
        "trytond_version": trytond_version,
        "persons": args.persons,
        "setup_seconds": round(setup_seconds, 2),
        "setup_persons_per_s": round(args.persons / setup_seconds, 2),
        "setup_evaluations": n_eval,
        "server": server_desc(),
        "threads": args.threads,
        "setup_threads": args.setup_threads,
        "mode": mode,
        "warmup_per_kind": args.warmup_per_kind,
        "measured_seconds": round(wall, 2),
        "total_operations": total,
        "total_errors": errors,
        "total_throughput_per_s": round((total - errors) / wall, 2),
        "started_at": started_at.isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": load_start,
        "loadavg_at_end": _loadavg(),
        "operations": ops,
    }
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=2)
            fh.write("\n")
    print_table(out)
    if args.out:
        print("result written to %s" % args.out)
    if total == 0 or errors / total > args.max_error_rate:
        print("too many errors: %d of %d operations" % (errors, total),
              file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

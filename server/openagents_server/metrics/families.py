"""Every metric family the platform exports, defined once.

Names follow Prometheus conventions (``_total`` counters, ``_seconds`` histograms). Label values are
bounded: route *templates* (never raw paths), topic classes, stable error codes and audit event names.
Gauges that each worker sets are ``livesum`` (summed over live workers; a dead worker's files are
dropped at the next scrape).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

#: Seconds; dense below 100 ms where the API's latency SLO sits (docs/ops/SLO.md).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# -- HTTP -----------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter("openagents_http_requests_total", "HTTP requests answered, by route template and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("openagents_http_request_duration_seconds", "HTTP request latency by route template",
                         ["method", "route"], buckets=LATENCY_BUCKETS)

# -- PostgreSQL -----------------------------------------------------------------------------------
DB_QUERY_LATENCY = Histogram("openagents_db_query_duration_seconds", "PostgreSQL statement latency by pool",
                             ["pool"], buckets=LATENCY_BUCKETS)
DB_POOL_CONNECTIONS = Gauge("openagents_db_pool_connections", "Pool connections by pool and state (in_use, idle)",
                            ["pool", "state"], multiprocess_mode="livesum")
DB_POOL_MAX = Gauge("openagents_db_pool_max_connections", "Pool size limit, summed over workers", ["pool"],
                    multiprocess_mode="livesum")

# -- Khala ----------------------------------------------------------------------------------------
KHALA_CONNECTIONS = Gauge("openagents_khala_connections", "Open Khala sockets", multiprocess_mode="livesum")
KHALA_SUBSCRIPTIONS = Gauge("openagents_khala_subscriptions", "Topic subscriptions of open sockets",
                            multiprocess_mode="livesum")
KHALA_CONNECTIONS_OPENED = Counter("openagents_khala_connections_opened_total", "Khala sockets admitted")
KHALA_DISCONNECTS = Counter("openagents_khala_disconnects_total", "Khala sockets closed, by reason code", ["code"])
KHALA_PUBLISHED = Counter("openagents_khala_published_events_total",
                          "Events read from the log by a node for its subscribers, by topic class", ["topic_class"])
KHALA_DELIVERED = Counter("openagents_khala_delivered_events_total",
                          "Events handed to sockets (replay and live), by topic class", ["topic_class"])
KHALA_REPLAY_EVENTS = Histogram("openagents_khala_replay_events", "Events replayed per subscription resume",
                                ["topic_class"], buckets=(0, 1, 10, 50, 200, 1000, 3000, 10000, 20000))
KHALA_EVICTIONS = Counter("openagents_khala_slow_consumer_evictions_total", "Sockets evicted as slow consumers")
KHALA_STALE_CURSORS = Counter("openagents_khala_stale_cursors_total", "Stale cursors refused, by reason", ["reason"])

# -- identity, errors, audit ----------------------------------------------------------------------
AUDIT_EVENTS = Counter("openagents_audit_events_total",
                       "Audit events (sign-ins: auth.verify.completed; refresh reuse: auth.refresh.replay_detected)",
                       ["event", "outcome"])
DOMAIN_ERRORS = Counter("openagents_domain_errors_total", "Refusals by status and stable code (429: rate limits)",
                        ["status", "code"])

# -- runtime --------------------------------------------------------------------------------------
RUNTIME_RUN_TRANSITIONS = Counter("openagents_runtime_run_transitions_total", "Run status changes, by new status",
                                  ["status"])
RUNTIME_WORKER_HEARTBEATS = Counter("openagents_runtime_worker_heartbeats_total", "Worker heartbeats accepted")

# -- clients and operations -----------------------------------------------------------------------
CLIENT_TELEMETRY = Counter("openagents_client_telemetry_events_total", "Client telemetry events received, by kind",
                           ["kind"])
SMOKE_RUNS = Counter("openagents_smoke_runs_total", "Smoke stream runs, by outcome", ["outcome"])
SMOKE_ROUND_TRIP = Histogram("openagents_smoke_khala_round_trip_seconds",
                             "Smoke stream: commit of an event to its delivery on a Khala socket (the delivery SLI)",
                             buckets=LATENCY_BUCKETS)
ROUTING_REFUSALS = Counter("openagents_routing_refusals_total",
                           "Requests answered 503 by a routing control (maintenance, disabled route)", ["kind"])

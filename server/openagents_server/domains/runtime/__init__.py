"""Runtime authority: workers, runs (one per worker request), the run event log (Khala ``run:{id}:events``
topics), receipts and replay artifacts, and the read models projected from the log. See docs/RUNTIME.md."""

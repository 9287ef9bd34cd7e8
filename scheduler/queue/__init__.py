"""The work queue for media jobs (transcodes, QC runs, day renders); the `job` row is the truth.

Register a handler (a function taking the job context and the job's params) in
scheduler/ops/job_kinds.py (the composition root; the registry here knows no handler), one line per kind:

    register("qc", run_qc, time_limit=3600, permanent_errors=(UnsupportedMedia,))

Submit with `JobQueue(config).submit(session, "qc", {"recording_id": 7}, now=..., dedupe_key="qc:7")`;
`airclass worker` (local thread pool, or `--backend celery` with Redis) runs it in a child process.
"""

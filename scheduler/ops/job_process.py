"""The process one job attempt runs in (`python -m scheduler.ops.job_process`, spawned by a worker):
the queue's child protocol (scheduler/queue/child.py) with airclass's job kinds loaded."""
import sys

from scheduler.ops.job_kinds import load_job_kinds
from scheduler.queue import child

if __name__ == "__main__":
    load_job_kinds()
    sys.exit(child.main())

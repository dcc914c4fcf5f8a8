"""CPU time a group of processes has used, read from ``/proc`` (Linux): the work a server did, apart
from the waiting for a core on a busy machine.

Imported by ``bench_import.py`` (a PostgreSQL server's processes) and ``bench_throughput.py``
(gunicorn's workers); run as scripts, so this folder is on the path.
"""

import os
from pathlib import Path


def cpu_seconds(parent: int, with_parent: bool = False) -> float:
    """The user and system CPU seconds of ``parent``'s child processes (and its own, if asked)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command's name
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == parent or (with_parent and stat.parent.name == str(parent)):
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
